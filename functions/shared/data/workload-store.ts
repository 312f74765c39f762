import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CursorPosition } from '../../../core/api/pagination.js';
import { type UsageRecord, usagePeriodOf } from '../../../core/api/usage.js';
import { CANCELLABLE_STATUSES, type WorkloadView } from '../../../core/api/workloads.js';
import type { WorkloadStatus, WorkloadTier } from '../../../core/model/workload.js';
import { routableJobOf, type WorkloadProgress } from '../../../core/routing/job-state.js';
import {
  cursorAfter,
  entityOf,
  isConditionFailure,
  type Page,
  queryAllByPrefix,
  type StoreDeps,
  transactWith,
} from './dynamo-helpers.js';
import type { TransactItem } from './idempotency.js';
import { newJobPut } from './job-store.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * A tenant's workloads and usage records, all in the tenant's partition.
 * - primary: `TENANT#t` / `WORKLOAD#<id>`; ids sort by submission time, so a plain query lists in submission order.
 * - gsi1: `TENANT#t#STATUS#<status>` / `<submittedAt>#<id>`: a tenant's workloads in one status, by time.
 * - primary: `TENANT#t` / `USAGE#<YYYY-MM>#<completedAt>#<workloadId>#<attempt>`: a month's usage records.
 */
const { partitionKey: PK, sortKey: SK, gsi1 } = TABLE_KEYS;
const WORKLOAD_PREFIX = 'WORKLOAD#';
const workloadKey = (tenantId: string, id: string) => ({
  [PK]: tenantPartition(tenantId),
  [SK]: `${WORKLOAD_PREFIX}${id}`,
});
const statusPartition = (tenantId: string, status: WorkloadStatus) => `${tenantPartition(tenantId)}#STATUS#${status}`;
const statusSortKey = (w: Pick<WorkloadView, 'submittedAt' | 'id'>) => `${w.submittedAt}#${w.id}`;

export interface WorkloadFilter {
  readonly status?: WorkloadStatus;
  readonly tier?: WorkloadTier;
  /** Submitted at or after (ISO instant). */
  readonly from?: string;
  /** Submitted before (ISO instant). */
  readonly to?: string;
}

/** The router moves a workload only while it is open: a cancelled or ended workload stays as it is. */
const OPEN_STATUSES = ['accepted', 'queued', 'running', 'preempted'] as const satisfies readonly WorkloadStatus[];

export type CancelResult =
  | { readonly ok: true; readonly workload: WorkloadView }
  | { readonly ok: false; readonly reason: 'not-found' }
  | { readonly ok: false; readonly reason: 'not-cancellable'; readonly status: WorkloadStatus };

/** Cursor fields: the primary sort key, plus the index sort key when listing by status. */
export const workloadCursorFields = (filter: WorkloadFilter) => (filter.status ? ['sk', 'gsi1sk'] : ['sk']);

export class DynamoWorkloadStore {
  constructor(private readonly deps: StoreDeps) {}

  /** The conditional put of a new workload, for the caller's transaction (see DynamoIdempotencyStore.claim). */
  putItem(workload: WorkloadView): TransactItem {
    return {
      Put: {
        TableName: this.deps.tableName,
        Item: this.item(workload),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
  }

  /** A new workload with its routing ticket (the router's job), both conditional, for the submission's transaction. */
  acceptItems(workload: WorkloadView): TransactItem[] {
    return [this.putItem(workload), newJobPut(this.deps.tableName, routableJobOf(workload))];
  }

  /**
   * Accepts a workload the platform creates (a bid fill's work) with its job, once: false when it already exists (a
   * clearing run again, a re-delivered message), which changes nothing.
   */
  async acceptOnce(workload: WorkloadView): Promise<boolean> {
    const [first, ...rest] = this.acceptItems(workload);
    try {
      await transactWith(this.deps, first!, rest);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The conditional update of an open workload's status and routing fields, for the router's transaction. */
  progressItem(tenantId: string, id: string, progress: WorkloadProgress): TransactItem {
    const optional = ['siteId', 'reason', 'estimatedFinishAt'] as const;
    const set = optional.filter((field) => progress[field] !== undefined);
    const remove = optional.filter((field) => progress[field] === undefined);
    const open = Object.fromEntries(OPEN_STATUSES.map((s, i) => [`:o${i}`, s]));
    return {
      Update: {
        TableName: this.deps.tableName,
        Key: workloadKey(tenantId, id),
        UpdateExpression: [
          `SET #status = :status, #attempt = :attempt, #updatedAt = :updatedAt, #gpk = :gpk${set.map((f) => `, #${f} = :${f}`).join('')}`,
          remove.length ? `REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : '',
        ].join(' '),
        ConditionExpression: `attribute_exists(#pk) AND #status IN (${Object.keys(open).join(', ')})`,
        ExpressionAttributeNames: {
          '#pk': PK,
          '#status': 'status',
          '#attempt': 'attempt',
          '#updatedAt': 'updatedAt',
          '#gpk': gsi1.partitionKey,
          ...Object.fromEntries(optional.map((f) => [`#${f}`, f])),
        },
        ExpressionAttributeValues: {
          ...open,
          ':status': progress.status,
          ':attempt': progress.attempt,
          ':updatedAt': progress.updatedAt,
          ':gpk': statusPartition(tenantId, progress.status),
          ...Object.fromEntries(set.map((f) => [`:${f}`, progress[f]])),
        },
      },
    };
  }

  async get(tenantId: string, id: string, consistent = false): Promise<WorkloadView | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: workloadKey(tenantId, id), ConsistentRead: consistent }),
    );
    return Item ? entityOf<WorkloadView>(Item) : undefined;
  }

  /**
   * Up to `limit` workloads matching `filter`, oldest first. DynamoDB applies `Limit` before filters, so this reads
   * on until the page is full or the data ends, and the cursor names the last item returned.
   */
  async list(
    tenantId: string,
    filter: WorkloadFilter,
    limit: number,
    after?: CursorPosition,
  ): Promise<Page<WorkloadView>> {
    const fields = workloadCursorFields(filter);
    let items: Record<string, unknown>[] = [];
    let startKey = after ? this.startKey(tenantId, filter, after) : undefined;
    let more = true;
    while (items.length < limit && more) {
      const page = await this.deps.client.send(
        new QueryCommand({ ...this.listQuery(tenantId, filter), Limit: limit, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      more = startKey !== undefined;
    }
    if (items.length > limit) {
      items = items.slice(0, limit);
      more = true;
    }
    const nextCursor = more ? cursorAfter(items.at(-1), fields) : undefined;
    return { items: items.map((item) => entityOf<WorkloadView>(item)), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Cancels from a cancellable status only, in one conditional update (no read-then-write race with the router), with
   * `alongside` (its audit outbox) in the same transaction.
   */
  async cancel(
    tenantId: string,
    id: string,
    nowIso: string,
    alongside: readonly TransactItem[] = [],
  ): Promise<CancelResult> {
    const statuses = Object.fromEntries(CANCELLABLE_STATUSES.map((s, i) => [`:c${i}`, s]));
    try {
      await transactWith(
        this.deps,
        {
          Update: {
            TableName: this.deps.tableName,
            Key: workloadKey(tenantId, id),
            UpdateExpression: 'SET #status = :cancelled, #updatedAt = :now, #gpk = :gpk',
            ConditionExpression: `attribute_exists(#pk) AND #status IN (${Object.keys(statuses).join(', ')})`,
            ExpressionAttributeNames: {
              '#pk': PK,
              '#status': 'status',
              '#updatedAt': 'updatedAt',
              '#gpk': gsi1.partitionKey,
            },
            ExpressionAttributeValues: {
              ...statuses,
              ':cancelled': 'cancelled',
              ':now': nowIso,
              ':gpk': statusPartition(tenantId, 'cancelled'),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        alongside,
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const status = (error as { Item?: { status?: { S?: string } } }).Item?.status?.S as WorkloadStatus | undefined;
      return status ? { ok: false, reason: 'not-cancellable', status } : { ok: false, reason: 'not-found' };
    }
    // Cancelled is final (the router moves open workloads only): the read shows what the transaction wrote.
    const workload = await this.get(tenantId, id, true);
    return { ok: true, workload: workload! };
  }

  /** One usage record per job attempt; writing the same attempt again overwrites it. */
  async putUsageRecord(record: UsageRecord): Promise<void> {
    await this.deps.client.send(new PutCommand(this.usagePutItem(record).Put!));
  }

  /** The put of a usage record, for the router's transaction. */
  usagePutItem(record: UsageRecord): TransactItem & { Put: object } {
    const period = usagePeriodOf(record.completedAt);
    return {
      Put: {
        TableName: this.deps.tableName,
        Item: {
          [PK]: tenantPartition(record.tenantId),
          [SK]: `USAGE#${period}#${record.completedAt}#${record.workloadId}#${record.attempt}`,
          ...record,
        },
      },
    };
  }

  /** Every usage record of a tenant in a month (YYYY-MM), all pages. */
  async usageRecords(tenantId: string, period: string): Promise<UsageRecord[]> {
    return queryAllByPrefix<UsageRecord>(this.deps, tenantPartition(tenantId), `USAGE#${period}#`);
  }

  private item(workload: WorkloadView) {
    return {
      ...workloadKey(workload.tenantId, workload.id),
      [gsi1.partitionKey]: statusPartition(workload.tenantId, workload.status),
      [gsi1.sortKey]: statusSortKey(workload),
      ...workload,
    };
  }

  private listQuery(tenantId: string, filter: WorkloadFilter): QueryCommandInput {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    if (filter.tier) {
      names['#tier'] = 'tier';
      values[':tier'] = filter.tier;
      conditions.push('#tier = :tier');
    }
    if (filter.status) {
      // By status: the index key holds the submission time, so from/to bound the key itself.
      names['#gpk'] = gsi1.partitionKey;
      names['#gsk'] = gsi1.sortKey;
      values[':gpk'] = statusPartition(tenantId, filter.status);
      // Key values cannot be empty strings; every ISO instant sorts after '0'.
      values[':lo'] = filter.from ?? '0';
      values[':hi'] = filter.to ?? '\uffff';
      return {
        TableName: this.deps.tableName,
        IndexName: gsi1.name,
        KeyConditionExpression: '#gpk = :gpk AND #gsk BETWEEN :lo AND :hi',
        ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
    }
    if (filter.from) {
      names['#submittedAt'] = 'submittedAt';
      values[':from'] = filter.from;
      conditions.push('#submittedAt >= :from');
    }
    if (filter.to) {
      names['#submittedAt'] = 'submittedAt';
      values[':to'] = filter.to;
      conditions.push('#submittedAt < :to');
    }
    names['#pk'] = PK;
    names['#sk'] = SK;
    values[':pk'] = tenantPartition(tenantId);
    values[':prefix'] = WORKLOAD_PREFIX;
    return {
      TableName: this.deps.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private startKey(tenantId: string, filter: WorkloadFilter, after: CursorPosition) {
    const key: Record<string, string> = { [PK]: tenantPartition(tenantId), [SK]: after.sk! };
    if (filter.status) {
      key[gsi1.partitionKey] = statusPartition(tenantId, filter.status);
      key[gsi1.sortKey] = after.gsi1sk!;
    }
    return key;
  }
}
