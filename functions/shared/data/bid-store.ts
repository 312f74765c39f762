import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Bid, type BidFill, OPEN_BID_STATUSES, remainingGpuHours, roundGpuHours } from '../../../core/bids/bid.js';
import {
  entityOf,
  isConditionFailure,
  queryAllByPrefix,
  type StoreDeps,
  type TransactItem,
  transactWith,
} from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * Bids and their clearings (issue 28).
 * - primary: `TENANT#t` / `BID#<id>`: a tenant's bid with its fills (the statement's and the clearing history's
 *   source); tenant routes reach only these.
 * - gsi1: `BIDS#open` / `<placedAt>#<tenantId>#<id>`: every open bid of every tenant, for the clearing (the
 *   optimizer's own role); a bid leaves the index when it is filled, cancelled or expired.
 * - primary: `CLEARINGS` / `<intervalStart>#<modelClass>`: each interval's uniform price and fills, for operators.
 * Every change bumps `version`; a clearing fills a bid only at the version it read and only while it is open, in one
 * transaction with the clearing record, so a cancel that commits first is never filled and one that comes after
 * finds the fill already there (and cancels what is left).
 */
const { partitionKey: PK, sortKey: SK, gsi1 } = TABLE_KEYS;
const BID_PREFIX = 'BID#';
const OPEN_INDEX = 'BIDS#open';
const CLEARINGS = 'CLEARINGS';
const bidKey = (tenantId: string, id: string) => ({ [PK]: tenantPartition(tenantId), [SK]: `${BID_PREFIX}${id}` });

export interface ClearingRecord {
  readonly clearingId: string;
  readonly intervalStart: string;
  readonly modelClass: string;
  readonly priceUsdPerGpuHour: number | null;
  /** GPU-hours the plan assigned to bids of this class in the interval. */
  readonly capacityGpuHours: number;
  readonly fills: ReadonlyArray<{
    bidId: string;
    tenantId: string;
    gpuHours: number;
    amountUsd: number;
    /** @default site */
    venue?: 'site' | 'partner';
    partnerId?: string;
  }>;
  /** Bids not filled and why: the clearing's own reasons, or why no partner took one that could not wait. */
  readonly skipped: ReadonlyArray<{ bidId: string; reason: string; detail?: string }>;
  readonly clearedAt: string;
}

export type BidChangeResult =
  | { readonly ok: true; readonly bid: Bid }
  | { readonly ok: false; readonly reason: 'not-found' }
  | { readonly ok: false; readonly reason: 'not-open'; readonly status: string }
  | { readonly ok: false; readonly reason: 'changed' };

/** A fill to record: the bid as the clearing read it, and what it gets. */
export interface BidFillWrite {
  readonly bid: Bid;
  readonly fill: BidFill;
}

export class DynamoBidStore {
  constructor(private readonly deps: StoreDeps) {}

  private item(bid: Bid): Record<string, unknown> {
    const open = bid.status === 'open';
    return {
      ...bidKey(bid.tenantId, bid.id),
      ...(open ? { [gsi1.partitionKey]: OPEN_INDEX, [gsi1.sortKey]: `${bid.placedAt}#${bid.tenantId}#${bid.id}` } : {}),
      ...bid,
    };
  }

  /** Places a new bid with `alongside` (its audit outbox) in one transaction. */
  async place(bid: Bid, alongside: readonly TransactItem[] = []): Promise<void> {
    await transactWith(
      this.deps,
      {
        Put: {
          TableName: this.deps.tableName,
          Item: this.item(bid),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        },
      },
      alongside,
    );
  }

  async get(tenantId: string, id: string): Promise<Bid | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: bidKey(tenantId, id), ConsistentRead: true }),
    );
    return Item ? entityOf<Bid>(Item) : undefined;
  }

  /** The tenant's bids, oldest id first (ids sort by placement time). */
  async list(tenantId: string): Promise<Bid[]> {
    return queryAllByPrefix<Bid>(this.deps, tenantPartition(tenantId), BID_PREFIX);
  }

  /**
   * Replaces an open bid with `next` (its amended terms or its cancellation) only if it is still open at version
   * `next.version - 1`: a clearing or another change in between makes it `changed`.
   */
  async replace(next: Bid, alongside: readonly TransactItem[] = []): Promise<BidChangeResult> {
    try {
      await transactWith(
        this.deps,
        {
          Put: {
            TableName: this.deps.tableName,
            Item: this.item(next),
            ConditionExpression: 'attribute_exists(#pk) AND #status = :open AND #version = :read',
            ExpressionAttributeNames: { '#pk': PK, '#status': 'status', '#version': 'version' },
            ExpressionAttributeValues: { ':open': OPEN_BID_STATUSES[0], ':read': next.version - 1 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        alongside,
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const status = (error as { Item?: { status?: { S?: string } } }).Item?.status?.S;
      if (!status) return { ok: false, reason: 'not-found' };
      return status === 'open' ? { ok: false, reason: 'changed' } : { ok: false, reason: 'not-open', status };
    }
    return { ok: true, bid: next };
  }

  /** Every open bid of every tenant (the clearing's read; not for tenant-scoped clients). */
  async open(): Promise<Bid[]> {
    const items: Bid[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: gsi1.name,
          KeyConditionExpression: '#gpk = :open',
          ExpressionAttributeNames: { '#gpk': gsi1.partitionKey },
          ExpressionAttributeValues: { ':open': OPEN_INDEX },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => entityOf<Bid>(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * Records a clearing: each filled bid (open, at the version read) and the clearing record, in one transaction.
   * Returns `{ ok: false, conflicted }` naming the bids that changed since the read (a cancel, an amendment): nothing
   * is written and the caller clears again without them. An interval and class already cleared is not cleared again
   * (`alreadyCleared`: a retried step, or a second dispatch in the same interval).
   */
  async recordClearing(
    record: ClearingRecord,
    writes: readonly BidFillWrite[],
  ): Promise<{ ok: true; alreadyCleared?: true } | { ok: false; conflicted: string[] }> {
    const updates: TransactItem[] = writes.map(({ bid, fill }) => ({
      Put: {
        TableName: this.deps.tableName,
        Item: this.item(filledBid(bid, fill, record.clearedAt)),
        ConditionExpression: '#status = :open AND #version = :read',
        ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
        ExpressionAttributeValues: { ':open': OPEN_BID_STATUSES[0], ':read': bid.version },
      },
    }));
    const put: TransactItem = {
      Put: {
        TableName: this.deps.tableName,
        Item: { [PK]: CLEARINGS, [SK]: `${record.intervalStart}#${record.modelClass}`, ...record },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
    try {
      await this.deps.client.send(new TransactWriteCommand({ TransactItems: [...updates, put] }));
      return { ok: true };
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((error as Error).name !== 'TransactionCanceledException' || !reasons) throw error;
      if (reasons[writes.length]?.Code === 'ConditionalCheckFailed') return { ok: true, alreadyCleared: true };
      const conflicted = writes.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((w) => w.bid.id);
      if (conflicted.length === 0) throw error;
      return { ok: false, conflicted };
    }
  }

  /** Clearing records with intervals in [fromIso, toIso], oldest first (operators, the dashboard). */
  async clearings(fromIso: string, toIso: string): Promise<ClearingRecord[]> {
    const { Items } = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': CLEARINGS, ':from': fromIso, ':to': `${toIso}~` },
      }),
    );
    return (Items ?? []).map((item) => entityOf<ClearingRecord>(item));
  }
}

/** The bid after a fill: its fills and filled GPU-hours grow; it is `filled` once nothing is left. */
export function filledBid(bid: Bid, fill: BidFill, nowIso: string): Bid {
  const filledGpuHours = roundGpuHours(bid.filledGpuHours + fill.gpuHours);
  const next = { ...bid, filledGpuHours, fills: [...bid.fills, fill], updatedAt: nowIso, version: bid.version + 1 };
  return remainingGpuHours(next) <= 0 ? { ...next, status: 'filled' } : next;
}
