import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkloadEventType } from '../../../core/routing/workload-events.js';
import type { StoredWebhook } from '../../../core/webhooks/config.js';
import type { TransactItem } from './dynamo-helpers.js';
import { entityOf, isConditionFailure, type StoreDeps, transactWith } from './dynamo-helpers.js';
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

/** A change's writes besides the webhook's own (its audit outbox), chosen once the store knows what it does. */
export type AlongsideOf<Change extends string> = (change: Change) => readonly TransactItem[];

/** A create or a replace races with another, or with a delete, at most this many times before it gives up. */
const MAX_PUT_ATTEMPTS = 5;

export class DynamoWebhookStore implements WebhookSource {
  constructor(private readonly deps: StoreDeps) {}

  /**
   * Creates (with `newSecret`) or replaces the url and events, keeping the secret and createdAt, so two concurrent PUTs
   * cannot leave a secret nobody was shown. Each is one conditional transaction with `alongside(change)`: the create
   * only if there is none, the replace only if there is one; a lost race tries the other.
   */
  async put(
    webhook: PutWebhook,
    newSecret: string,
    nowIso: string,
    alongside: AlongsideOf<'create' | 'update'> = () => [],
  ): Promise<PutWebhookResult> {
    const { tableName } = this.deps;
    const fields = { tenantId: webhook.tenantId, url: webhook.url, events: [...webhook.events], updatedAt: nowIso };
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.get(webhook.tenantId);
      try {
        if (!existing) {
          await transactWith(
            this.deps,
            {
              Put: {
                TableName: tableName,
                Item: { ...webhookKey(webhook.tenantId), ...fields, secret: newSecret, createdAt: nowIso },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            alongside('create'),
          );
          return { created: true, webhook: { ...fields, secret: newSecret, createdAt: nowIso } as StoredWebhook };
        }
        await transactWith(
          this.deps,
          {
            Update: {
              TableName: tableName,
              Key: webhookKey(webhook.tenantId),
              UpdateExpression: 'SET #tenantId = :tenantId, #url = :url, #events = :events, #updatedAt = :updatedAt',
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: {
                '#pk': PK,
                '#tenantId': 'tenantId',
                '#url': 'url',
                '#events': 'events',
                '#updatedAt': 'updatedAt',
              },
              ExpressionAttributeValues: Object.fromEntries(Object.entries(fields).map(([k, v]) => [`:${k}`, v])),
            },
          },
          alongside('update'),
        );
        return { created: false, webhook: { ...existing, ...fields } };
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_PUT_ATTEMPTS) throw error;
      }
    }
  }

  async get(tenantId: string): Promise<StoredWebhook | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: webhookKey(tenantId), ConsistentRead: true }),
    );
    return Item ? entityOf<StoredWebhook>(Item) : undefined;
  }

  /**
   * The webhook deleted, with `alongside` (its audit outbox) in the same transaction; undefined when the tenant had
   * none. Deleted only as read (same updatedAt), so the answer shows what was deleted.
   */
  async delete(tenantId: string, alongside: readonly TransactItem[] = []): Promise<StoredWebhook | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.get(tenantId);
      if (!existing) return undefined;
      try {
        await transactWith(
          this.deps,
          {
            Delete: {
              TableName: this.deps.tableName,
              Key: webhookKey(tenantId),
              ConditionExpression: '#updatedAt = :seen',
              ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
              ExpressionAttributeValues: { ':seen': existing.updatedAt },
            },
          },
          alongside,
        );
        return existing;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_PUT_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Replaces the secret at once (the old one stops verifying), with `alongside` (its audit outbox) in the same
   * transaction; undefined when the tenant has no webhook.
   */
  async rotateSecret(
    tenantId: string,
    newSecret: string,
    nowIso: string,
    alongside: readonly TransactItem[] = [],
  ): Promise<StoredWebhook | undefined> {
    try {
      await transactWith(
        this.deps,
        {
          Update: {
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
          },
        },
        alongside,
      );
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    return this.get(tenantId);
  }
}
