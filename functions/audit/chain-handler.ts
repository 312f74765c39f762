import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { configGetter } from '../shared/config.js';
import { chainPending } from '../shared/data/audit-log.js';
import { documentClient } from '../shared/data/client.js';
import { TABLE_KEYS } from '../shared/data/table-design.js';
import { metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));

/** The audit shard partitions a batch of stream records names (outbox inserts only reach here: the source filters). */
export function outboxPartitions(event: DynamoDBStreamEvent): string[] {
  const partitions = event.Records.map((record) => record.dynamodb?.Keys?.[TABLE_KEYS.partitionKey]?.S);
  return [...new Set(partitions.filter((p): p is string => typeof p === 'string' && p.startsWith('AUDIT#')))];
}

/**
 * The audit chainer (functions/shared/data/audit-log.ts): the table's stream, filtered to outbox inserts, names the
 * shard partitions that have events waiting; each is linked into its hash chain in batches. One invocation per stream
 * shard at a time, and a shard partition's items are all on one stream shard, so a partition is linked in order by
 * one chainer; a second one (a retried batch) only loses a conditional write and finds nothing left. An error fails
 * the batch: the event source retries it, then sends it to the DLQ; the events stay in the outbox and the next
 * record or any reader of the chain links them.
 */
export const handler = taskHandler(async (event: DynamoDBStreamEvent) => {
  const deps = { client: documentClient(), tableName: config().TABLE_NAME };
  let linked = 0;
  for (const partition of outboxPartitions(event)) linked += await chainPending(deps, partition);
  metrics.addMetric('AuditEventsLinked', MetricUnit.Count, linked);
  return { linked };
});
