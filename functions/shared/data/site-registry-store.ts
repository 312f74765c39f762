import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type SiteConfig, siteConfigShapeSchema } from '../../../core/fleet/site-config.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import type { TransactItem } from './dynamo-helpers.js';
import { queryAllByPrefix, type StoreDeps } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * `active`: planned and routed to. `draining`: still planned, but the router sends no new work there; retiring waits
 * for its queue and any switch in flight. `retired`: out of the plans, the routing and the gateways' configuration.
 */
export type SiteLifecycle = 'active' | 'draining' | 'retired';

/** A site's current registry record. `registryVersion` is the version that last changed it: its ETag. */
export interface SiteRecord {
  readonly config: SiteConfig;
  readonly status: SiteLifecycle;
  readonly registryVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** One registry change: what the version made of which site (its history item). */
export interface RegistryChange {
  readonly registryVersion: number;
  readonly siteId: string;
  readonly action: string;
  readonly record: SiteRecord;
}

export class RegistryConflict extends Error {
  override readonly name = 'RegistryConflict';
}

export interface SiteRegistryStore {
  /** The newest registry version, 0 before the first change. */
  version(): Promise<number>;
  get(siteId: string): Promise<SiteRecord | undefined>;
  /** Every site record, retired ones included, by id. */
  list(): Promise<SiteRecord[]>;
  /**
   * Stores `change` as version `change.registryVersion` = the current version + 1, only if the registry is still at
   * `change.registryVersion - 1` and the site's record is still the one read (`previousSiteVersion`, undefined for a
   * new site); otherwise throws RegistryConflict and stores nothing. `alongside` (the change's audit outbox) is
   * stored in the same transaction.
   */
  write(
    change: RegistryChange,
    previousSiteVersion: number | undefined,
    alongside?: readonly TransactItem[],
  ): Promise<void>;
}

/**
 * Access patterns, all in the `REGISTRY` partition (one fleet, at most a few hundred sites):
 * - `REGISTRY` / `HEAD`: the newest registry version, the counter every change moves by one (optimistic lock).
 * - `REGISTRY` / `SITE#<id>`: a site's current record; the fleet is `begins_with(sk, 'SITE#')`.
 * - `REGISTRY` / `VERSION#<10 digits>`: the change a version made (site, action, record): a plan's
 *   `registryVersion` names the fleet it was solved for, and this is how to see what that fleet was.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const PARTITION = 'REGISTRY';
const HEAD_KEY = { [PK]: PARTITION, [SK]: 'HEAD' };
const siteKey = (siteId: string) => ({ [PK]: PARTITION, [SK]: `SITE#${siteId}` });
const versionKey = (version: number) => ({ [PK]: PARTITION, [SK]: `VERSION#${String(version).padStart(10, '0')}` });

interface StoredRecord {
  readonly record: string;
}

function recordOf(stored: StoredRecord): SiteRecord {
  const record = JSON.parse(stored.record) as SiteRecord;
  return { ...record, config: parseOrThrow(siteConfigShapeSchema, record.config, 'stored site record') };
}

export class DynamoSiteRegistryStore implements SiteRegistryStore {
  constructor(private readonly deps: StoreDeps) {}

  async version(): Promise<number> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: HEAD_KEY, ConsistentRead: true }),
    );
    return typeof Item?.version === 'number' ? Item.version : 0;
  }

  async get(siteId: string): Promise<SiteRecord | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: siteKey(siteId), ConsistentRead: true }),
    );
    return Item ? recordOf(Item as StoredRecord) : undefined;
  }

  async list(): Promise<SiteRecord[]> {
    return (await queryAllByPrefix<StoredRecord>(this.deps, PARTITION, 'SITE#')).map(recordOf);
  }

  async write(
    change: RegistryChange,
    previousSiteVersion: number | undefined,
    alongside: readonly TransactItem[] = [],
  ): Promise<void> {
    const { tableName } = this.deps;
    const version = change.registryVersion;
    const record = JSON.stringify(change.record);
    try {
      await this.deps.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: { ...HEAD_KEY, version },
                ConditionExpression: version === 1 ? 'attribute_not_exists(#pk)' : '#version = :previous',
                ExpressionAttributeNames: version === 1 ? { '#pk': PK } : { '#version': 'version' },
                ...(version === 1 ? {} : { ExpressionAttributeValues: { ':previous': version - 1 } }),
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { ...siteKey(change.siteId), siteId: change.siteId, registryVersion: version, record },
                ConditionExpression:
                  previousSiteVersion === undefined ? 'attribute_not_exists(#pk)' : 'registryVersion = :site',
                ...(previousSiteVersion === undefined
                  ? { ExpressionAttributeNames: { '#pk': PK } }
                  : { ExpressionAttributeValues: { ':site': previousSiteVersion } }),
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { ...versionKey(version), siteId: change.siteId, action: change.action, record },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            ...alongside,
          ],
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'TransactionCanceledException') {
        throw new RegistryConflict(`registry moved past version ${version - 1} or site ${change.siteId} changed`);
      }
      throw error;
    }
  }
}
