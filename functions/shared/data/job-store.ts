import { GetCommand, QueryCommand, type QueryCommandInput, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { UsageRecord } from '../../../core/api/usage.js';
import { type JobState, newJobState, type WorkloadProgress } from '../../../core/routing/job-state.js';
import type { RoutableJob } from '../../../core/routing/types.js';
import { entityOf, type StoreDeps } from './dynamo-helpers.js';
import type { TransactItem } from './idempotency.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * The router's jobs: one item per workload beside it in the tenant's partition, holding the job's state
 * (core/routing/job-state.ts) and a version for optimistic concurrency.
 * - primary: `TENANT#t` / `JOB#<workloadId>`.
 * - gsi1, while waiting to be routed: `ROUTING#pending` / `<submittedAt>#<tenantId>#<id>`: the router's work, oldest
 *   first (a DynamoDB stream filtered on this key wakes the router in AWS).
 * - gsi1, while handed to a site: `SITE#<siteId>#QUEUED` / `<id>`: a site's queue of assigned work (its backlog).
 * - no gsi1 once ended.
 */
const { partitionKey: PK, sortKey: SK, gsi1 } = TABLE_KEYS;
export const ROUTING_PENDING_PARTITION = 'ROUTING#pending';
const siteQueuedPartition = (siteId: string) => `SITE#${siteId}#QUEUED`;
const jobKey = (tenantId: string, id: string) => ({ [PK]: tenantPartition(tenantId), [SK]: `JOB#${id}` });

export interface StoredJob {
  readonly state: JobState;
  readonly version: number;
}

export type CommitResult = 'committed' | 'job-changed' | 'workload-closed';

/** What a transition writes besides the job: the customer's view of the workload, and a usage record. */
export interface CommitExtras {
  readonly workload?: WorkloadProgress;
  readonly usage?: UsageRecord;
}

function indexKeys(state: JobState): Record<string, string> | undefined {
  const { job } = state;
  if (state.status === 'pending') {
    const submittedAt = new Date(job.submittedAtMs).toISOString();
    return {
      [gsi1.partitionKey]: ROUTING_PENDING_PARTITION,
      [gsi1.sortKey]: `${submittedAt}#${job.tenantId}#${job.id}`,
    };
  }
  if (state.status === 'queued' && state.siteId) {
    return { [gsi1.partitionKey]: siteQueuedPartition(state.siteId), [gsi1.sortKey]: job.id };
  }
  return undefined;
}

/** Plain data only: DynamoDB has no `undefined`, and a JobState must read back exactly as written. */
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The conditional put of a new job, for the submission's transaction (see DynamoWorkloadStore.acceptItems). */
export function newJobPut(tableName: string, job: RoutableJob): TransactItem {
  const state = newJobState(job);
  return {
    Put: {
      TableName: tableName,
      Item: { ...jobKey(job.tenantId, job.id), ...indexKeys(state), state: plain(state), version: 1 },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    },
  };
}

/**
 * The workload-side items a job transition writes in the same transaction (DynamoWorkloadStore builds them). Named
 * here as a port so the job store does not import the workload store, which imports `newJobPut` from this file.
 */
export interface WorkloadTransactItems {
  progressItem(tenantId: string, id: string, progress: WorkloadProgress): TransactItem;
  usagePutItem(record: UsageRecord): TransactItem;
}

export class DynamoJobStore {
  constructor(
    private readonly deps: StoreDeps,
    private readonly workloads: WorkloadTransactItems,
  ) {}

  async get(tenantId: string, id: string): Promise<StoredJob | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: jobKey(tenantId, id), ConsistentRead: true }),
    );
    return Item ? this.stored(Item) : undefined;
  }

  /** Jobs waiting to be routed, oldest submission first. */
  async pending(limit: number): Promise<StoredJob[]> {
    return this.queryIndex(ROUTING_PENDING_PARTITION, limit);
  }

  /** Jobs handed to a site and not yet ended. */
  async queuedAt(siteId: string): Promise<StoredJob[]> {
    return this.queryIndex(siteQueuedPartition(siteId));
  }

  /**
   * Writes a transition in one transaction: the job (only if nobody moved it since `previous` was read), the
   * workload's customer view (only while the customer has not cancelled it), and the usage record.
   */
  async commit(previous: StoredJob, next: JobState, extras: CommitExtras = {}): Promise<CommitResult> {
    const items: TransactItem[] = [{ Update: this.jobUpdate(previous, next) }];
    if (extras.workload) items.push(this.workloads.progressItem(next.job.tenantId, next.job.id, extras.workload));
    if (extras.usage) items.push(this.workloads.usagePutItem(extras.usage));
    try {
      await this.deps.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((error as Error).name !== 'TransactionCanceledException' || !reasons) throw error;
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'job-changed';
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'workload-closed';
      throw error;
    }
  }

  private jobUpdate(previous: StoredJob, next: JobState): NonNullable<TransactItem['Update']> {
    const { job } = previous.state;
    const keys = indexKeys(next);
    const names: Record<string, string> = { '#state': 'state', '#version': 'version' };
    const values: Record<string, unknown> = { ':state': plain(next), ':version': previous.version, ':one': 1 };
    let expression = 'SET #state = :state, #version = #version + :one';
    if (keys) {
      names['#gpk'] = gsi1.partitionKey;
      names['#gsk'] = gsi1.sortKey;
      values[':gpk'] = keys[gsi1.partitionKey];
      values[':gsk'] = keys[gsi1.sortKey];
      expression += ', #gpk = :gpk, #gsk = :gsk';
    } else {
      names['#gpk'] = gsi1.partitionKey;
      names['#gsk'] = gsi1.sortKey;
      expression += ' REMOVE #gpk, #gsk';
    }
    return {
      TableName: this.deps.tableName,
      Key: jobKey(job.tenantId, job.id),
      UpdateExpression: expression,
      ConditionExpression: '#version = :version',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  private async queryIndex(partition: string, limit = Number.POSITIVE_INFINITY): Promise<StoredJob[]> {
    const jobs: StoredJob[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.deps.tableName,
        IndexName: gsi1.name,
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeNames: { '#gpk': gsi1.partitionKey },
        ExpressionAttributeValues: { ':gpk': partition },
        ExclusiveStartKey: startKey,
        ...(Number.isFinite(limit) ? { Limit: limit - jobs.length } : {}),
      };
      const page = await this.deps.client.send(new QueryCommand(input));
      jobs.push(...(page.Items ?? []).map((item) => this.stored(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey && jobs.length < limit);
    return jobs;
  }

  private stored(item: Record<string, unknown>): StoredJob {
    const { state, version } = entityOf<{ state: JobState; version: number }>(item);
    return { state, version };
  }
}
