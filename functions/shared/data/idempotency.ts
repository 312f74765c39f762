import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * Idempotency records: the first result of a mutating request, stored under the caller's tenant and the
 * Idempotency-Key header, with a TTL. The record is written in the same transaction as the request's own writes and
 * only if no live record holds the key, so of any number of concurrent requests with one key exactly one writes.
 */
export type { TransactItem } from './dynamo-helpers.js';

export interface IdempotencyRecord {
  readonly tenantId: string;
  readonly key: string;
  /** sha256 of the canonical request body: a repeat must match it. */
  readonly fingerprint: string;
  readonly statusCode: number;
  /** The response body as sent. */
  readonly body: string;
  readonly createdAt: string;
  readonly expiresAtEpochS: number;
}

export type ClaimResult =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly existing: IdempotencyRecord };

const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const recordKey = (tenantId: string, key: string) => ({
  [PK]: tenantPartition(tenantId),
  [SK]: `IDEMPOTENCY#${key}`,
});
/** A loser of a race may look before the winner's transaction is visible; it looks again this many times. */
const MAX_CLAIM_ATTEMPTS = 8;
const RETRY_BASE_MS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoIdempotencyStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  /** The live record for the key (an expired one DynamoDB has not yet deleted counts as absent). */
  async find(tenantId: string, key: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: recordKey(tenantId, key), ConsistentRead: true }),
    );
    if (!Item || (Item[ttlAttribute] as number) * 1000 <= nowMs) return undefined;
    const { [PK]: _pk, [SK]: _sk, ...record } = Item;
    return record as IdempotencyRecord;
  }

  /**
   * Writes `record` together with `writes` unless a live record holds the key; then returns that record instead and
   * writes nothing.
   */
  async claim(record: IdempotencyRecord, writes: readonly TransactItem[], nowMs: number): Promise<ClaimResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deps.client.send(
          new TransactWriteCommand({ TransactItems: [this.putRecord(record, nowMs), ...writes] }),
        );
        return { claimed: true };
      } catch (error) {
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
      }
      const existing = await this.find(record.tenantId, record.key, nowMs);
      if (existing) return { claimed: false, existing };
      // Cancelled by a concurrent transaction on the same key that has not committed yet, or that failed: retry.
      if (attempt >= MAX_CLAIM_ATTEMPTS) throw new Error(`idempotency key ${record.key}: claim kept conflicting`);
      await sleep(RETRY_BASE_MS * 2 ** Math.min(attempt, 5) * Math.random());
    }
  }

  private putRecord(record: IdempotencyRecord, nowMs: number): TransactItem {
    return {
      Put: {
        TableName: this.deps.tableName,
        Item: { ...recordKey(record.tenantId, record.key), ...record, [ttlAttribute]: record.expiresAtEpochS },
        ConditionExpression: 'attribute_not_exists(#pk) OR #ttl <= :nowS',
        ExpressionAttributeNames: { '#pk': PK, '#ttl': ttlAttribute },
        ExpressionAttributeValues: { ':nowS': Math.floor(nowMs / 1000) },
      },
    };
  }
}
