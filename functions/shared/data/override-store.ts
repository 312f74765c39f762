import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type OverrideRecord, overrideRecordSchema } from '../../../core/operations/overrides.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import type { TransactItem } from './dynamo-helpers.js';
import { entityOf, isConditionFailure, transactWith } from './dynamo-helpers.js';
import { switchStateKey } from './switch-state-store.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * Access pattern: a site's latest operator override (`SITE#<id>` / `OVERRIDE`), written when the API starts its
 * SwitchFlow and read by the site view and the cancel route. Its history is the audit log; the item outlives its
 * expiry by 35 days so the view can still say an override expired.
 */
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const overrideKey = (siteId: string) => ({ [PK]: `SITE#${siteId}`, [SK]: 'OVERRIDE' });
const KEEP_AFTER_EXPIRY_S = 35 * 24 * 3600;

export class DynamoOverrideStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  /** `alongside`: writes stored with the record or not at all (its audit outbox). */
  async put(record: OverrideRecord, alongside: readonly TransactItem[] = []): Promise<void> {
    await transactWith(this.deps, this.putItem(record), alongside);
  }

  /** The write of `put`, for a caller's own transaction (an idempotent request claims its key in it). */
  putItem(record: OverrideRecord): TransactItem {
    const expiresS = Math.ceil(Date.parse(record.override.expiresAt) / 1000) + KEEP_AFTER_EXPIRY_S;
    return {
      Put: {
        TableName: this.deps.tableName,
        Item: { ...overrideKey(record.siteId), ...record, [ttlAttribute]: expiresS },
      },
    };
  }

  async get(siteId: string): Promise<OverrideRecord | undefined> {
    const result = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: overrideKey(siteId), ConsistentRead: true }),
    );
    return result.Item ? this.recordOf(result.Item, siteId) : undefined;
  }

  private recordOf(item: Record<string, unknown> | undefined, siteId: string): OverrideRecord {
    const { [ttlAttribute]: _ttl, ...entity } = entityOf<Record<string, unknown>>(item ?? {});
    return parseOrThrow(overrideRecordSchema, entity, `stored override of ${siteId}`);
  }

  /**
   * The override's SwitchFlow claims it just before publishing its command; false when it was cancelled (or replaced
   * by a newer override) first. Cancel and claim are conditional writes on the same item, so exactly one of them
   * wins: a cancel that lands first stops the override's command, one that lands after knows it must restore the plan.
   * Idempotent for the same execution (a resynchronised switch claims again).
   */
  async claimForCommand(siteId: string, executionName: string, atIso: string): Promise<boolean> {
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: overrideKey(siteId),
          UpdateExpression: 'SET #commandedAt = if_not_exists(#commandedAt, :at)',
          ConditionExpression: '#executionName = :execution AND attribute_not_exists(#cancelledAt)',
          ExpressionAttributeNames: {
            '#commandedAt': 'commandedAt',
            '#cancelledAt': 'cancelledAt',
            '#executionName': 'executionName',
          },
          ExpressionAttributeValues: { ':at': atIso, ':execution': executionName },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Marks the override of `executionName` cancelled and returns it as stored (with `commandedAt` when its SwitchFlow
   * claimed it first); undefined when that override is no longer the site's latest or is already cancelled (two
   * operators cancelling at once: one wins, the other sees the record as it stands).
   */
  async cancel(
    record: OverrideRecord,
    by: { readonly cancelledBy: string; readonly cancelledAt: string },
  ): Promise<OverrideRecord | undefined> {
    try {
      const result = await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: overrideKey(record.siteId),
          UpdateExpression: 'SET #cancelledAt = :at, #cancelledBy = :by',
          ConditionExpression: '#executionName = :execution AND attribute_not_exists(#cancelledAt)',
          ExpressionAttributeNames: {
            '#cancelledAt': 'cancelledAt',
            '#cancelledBy': 'cancelledBy',
            '#executionName': 'executionName',
          },
          ExpressionAttributeValues: {
            ':at': by.cancelledAt,
            ':by': by.cancelledBy,
            ':execution': record.executionName,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.recordOf(result.Attributes, record.siteId);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Ends dispatch's hold on the site: the switching state keeps `overrideUntil` from the override's switch, and
   * OptimizeFlow leaves a site alone until then (core/switching/diff.ts). Removed only while it is still this
   * override's expiry, so a newer override's hold is never lifted by cancelling an older one.
   */
  async releaseDispatchHold(siteId: string, expiresAt: string): Promise<boolean> {
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: switchStateKey(siteId),
          UpdateExpression: 'REMOVE #overrideUntil',
          ConditionExpression: '#overrideUntil = :until',
          ExpressionAttributeNames: { '#overrideUntil': 'overrideUntil' },
          ExpressionAttributeValues: { ':until': expiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
