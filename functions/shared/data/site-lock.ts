import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../../core/support/clock.js';
import { isConditionFailure } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The per-site switching lock: one SwitchFlow at a time moves a site's power split. The lock expires on its own, so
 * a flow that dies mid-switch cannot block its site for longer than `ttlMs`.
 */

export interface SiteLock {
  readonly siteId: string;
  readonly ownerId: string;
  readonly acquiredAtMs: number;
  readonly expiresAtMs: number;
}

export type AcquireLockResult =
  | { readonly ok: true; readonly lock: SiteLock }
  | { readonly ok: false; readonly reason: 'held'; readonly heldBy: string; readonly expiresAtMs: number };

export type ReleaseLockResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not-held' }
  | { readonly ok: false; readonly reason: 'held-by-other'; readonly heldBy: string };

export interface SiteLockStore {
  /** Takes the lock if it is free or expired; the owner taking it again renews it. */
  acquire(request: { siteId: string; ownerId: string; ttlMs: number }): Promise<AcquireLockResult>;
  /** Only the owner releases; anyone else gets a typed refusal. */
  release(request: { siteId: string; ownerId: string }): Promise<ReleaseLockResult>;
}

export const siteLockKey = (siteId: string) => ({
  [TABLE_KEYS.partitionKey]: `SITE#${siteId}`,
  [TABLE_KEYS.sortKey]: 'LOCK',
});

type RawItem = Record<string, { S?: string; N?: string }> | undefined;

/** The item a failed condition returns (ReturnValuesOnConditionCheckFailure) comes back unmarshalled by no one. */
function conflictingItem(error: unknown): RawItem | null {
  if (!isConditionFailure(error)) return null;
  return (error as { Item?: RawItem }).Item;
}

export class DynamoSiteLockStore implements SiteLockStore {
  constructor(
    private readonly deps: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly clock: Clock;
    },
  ) {}

  async acquire(request: { siteId: string; ownerId: string; ttlMs: number }): Promise<AcquireLockResult> {
    const { client, tableName, clock } = this.deps;
    const nowMs = clock.nowMs();
    const lock: SiteLock = {
      siteId: request.siteId,
      ownerId: request.ownerId,
      acquiredAtMs: nowMs,
      expiresAtMs: nowMs + request.ttlMs,
    };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...siteLockKey(request.siteId),
            ...lock,
            // TTL only tidies up (DynamoDB deletes within days); the condition below decides expiry.
            [TABLE_KEYS.ttlAttribute]: Math.ceil(lock.expiresAtMs / 1000),
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAtMs <= :nowMs OR #ownerId = :ownerId',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#expiresAtMs': 'expiresAtMs',
            '#ownerId': 'ownerId',
          },
          ExpressionAttributeValues: { ':nowMs': nowMs, ':ownerId': request.ownerId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, lock };
    } catch (error) {
      const held = conflictingItem(error);
      if (held === null) throw error;
      return {
        ok: false,
        reason: 'held',
        heldBy: held?.ownerId?.S ?? 'unknown',
        expiresAtMs: Number(held?.expiresAtMs?.N ?? Number.NaN),
      };
    }
  }

  async release(request: { siteId: string; ownerId: string }): Promise<ReleaseLockResult> {
    const { client, tableName } = this.deps;
    try {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: siteLockKey(request.siteId),
          ConditionExpression: '#ownerId = :ownerId',
          ExpressionAttributeNames: { '#ownerId': 'ownerId' },
          ExpressionAttributeValues: { ':ownerId': request.ownerId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true };
    } catch (error) {
      const held = conflictingItem(error);
      if (held === null) throw error;
      const heldBy = held?.ownerId?.S;
      return heldBy === undefined ? { ok: false, reason: 'not-held' } : { ok: false, reason: 'held-by-other', heldBy };
    }
  }
}
