import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkloadEventType } from '../../../core/routing/workload-events.js';
import type { StoredWebhook } from '../../../core/webhooks/config.js';
import { entityOf, isConditionFailure, type StoreDeps } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * One webhook per tenant at `TENANT#<t>` / `WEBHOOK`: url, events, the signing secret and its dates. The secret is
 * kept in clear because every delivery needs it to sign (unlike API keys, only hashed); the table is KMS-encrypted
 * and the API never returns it after the response that created or rotated it.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const WEBHOOK = 'WEBHOOK';
const webhookKey = (tenantId: string) => ({ [PK]: tenantPartition(tenantId), [SK]: WEBHOOK });

export interface PutWebhook {
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly WorkloadEventType[];
}

export interface PutWebhookResult {
  /** True when there was none: the secret is the new one, shown in this response only. */
  readonly created: boolean;
  readonly webhook: StoredWebhook;
}

/** What delivery reads: the delivery Lambda, the local platform and the test ping. */
export interface WebhookSource {
  get(tenantId: string): Promise<StoredWebhook | undefined>;
}

export class DynamoWebhookStore implements WebhookSource {
  constructor(private readonly deps: StoreDeps) {}

  /**
   * Creates or replaces the url and events in one update; a replacement keeps the secret and createdAt
   * (`if_not_exists`), so two concurrent PUTs cannot leave a secret nobody was shown.
   */
  async put(webhook: PutWebhook, newSecret: string, nowIso: string): Promise<PutWebhookResult> {
    const { Attributes } = await this.deps.client.send(
      new UpdateCommand({
        TableName: this.deps.tableName,
        Key: webhookKey(webhook.tenantId),
        UpdateExpression:
          'SET #tenantId = :tenantId, #url = :url, #events = :events, #updatedAt = :now, ' +
          '#secret = if_not_exists(#secret, :secret), #createdAt = if_not_exists(#createdAt, :now)',
        ExpressionAttributeNames: {
          '#tenantId': 'tenantId',
          '#url': 'url',
          '#events': 'events',
          '#updatedAt': 'updatedAt',
          '#secret': 'secret',
          '#createdAt': 'createdAt',
        },
        ExpressionAttributeValues: {
          ':tenantId': webhook.tenantId,
          ':url': webhook.url,
          ':events': [...webhook.events],
          ':now': nowIso,
          ':secret': newSecret,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = entityOf<StoredWebhook>(Attributes!);
    // The secret is 256 random bits: it is ours only if this update wrote it.
    return { created: stored.secret === newSecret, webhook: stored };
  }

  async get(tenantId: string): Promise<StoredWebhook | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: webhookKey(tenantId), ConsistentRead: true }),
    );
    return Item ? entityOf<StoredWebhook>(Item) : undefined;
  }

  /** The webhook deleted; undefined when the tenant had none. */
  async delete(tenantId: string): Promise<StoredWebhook | undefined> {
    const { Attributes } = await this.deps.client.send(
      new DeleteCommand({ TableName: this.deps.tableName, Key: webhookKey(tenantId), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? entityOf<StoredWebhook>(Attributes) : undefined;
  }

  /** Replaces the secret at once (the old one stops verifying); undefined when the tenant has no webhook. */
  async rotateSecret(tenantId: string, newSecret: string, nowIso: string): Promise<StoredWebhook | undefined> {
    try {
      const { Attributes } = await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: webhookKey(tenantId),
          UpdateExpression: 'SET #secret = :secret, #rotatedAt = :now, #updatedAt = :now',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#pk': PK,
            '#secret': 'secret',
            '#rotatedAt': 'rotatedAt',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: { ':secret': newSecret, ':now': nowIso },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return entityOf<StoredWebhook>(Attributes!);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
