import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { advanceHighWaterMark, type HighWaterMark, NO_MARK } from '../../../core/telemetry/high-water-mark.js';
import { TABLE_KEYS } from '../../shared/data/table-design.js';
import type { TelemetryMarkStore } from '../ports.js';

/**
 * Concurrent consumers of one gateway's batches race on its item (the queue's event source runs up to 5); each
 * loser waits a jittered moment, re-reads and tries again. Every round has a winner, so 20 attempts is ample.
 */
const MAX_ATTEMPTS = 20;
const BACKOFF_MS = 10;

/**
 * Access pattern: a gateway's telemetry high-water mark (`SITE#<id>` / `TELEMETRY_MARK#<gatewayId>`, one GetItem).
 * Read, advance (core/telemetry/high-water-mark.ts), write on condition that nobody wrote since (`version`) and that
 * the mark only moves up, so two consumers storing batches of the same gateway at once never lose a number.
 */
export class DynamoTelemetryMarkStore implements TelemetryMarkStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async advance(siteId: string, gatewayId: string, batchSeq: number, heldFromSeq: number | undefined): Promise<number> {
    const { client, tableName } = this.deps;
    const key = { [TABLE_KEYS.partitionKey]: `SITE#${siteId}`, [TABLE_KEYS.sortKey]: `TELEMETRY_MARK#${gatewayId}` };
    for (let attempt = 1; ; attempt++) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      const stored = Item as (HighWaterMark & { version: number }) | undefined;
      const mark = stored ?? NO_MARK;
      const next = advanceHighWaterMark(mark, batchSeq, heldFromSeq);
      if (
        stored &&
        JSON.stringify(next) === JSON.stringify({ ackedThroughSeq: mark.ackedThroughSeq, pending: mark.pending })
      )
        return next.ackedThroughSeq; // a duplicate: nothing to write
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key, siteId, gatewayId, ...next, version: (stored?.version ?? 0) + 1 },
            ConditionExpression: stored ? '#version = :version AND #through <= :through' : 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: stored
              ? { '#version': 'version', '#through': 'ackedThroughSeq' }
              : { '#pk': TABLE_KEYS.partitionKey },
            ...(stored
              ? { ExpressionAttributeValues: { ':version': stored.version, ':through': next.ackedThroughSeq } }
              : {}),
          }),
        );
        return next.ackedThroughSeq;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException' || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * BACKOFF_MS * attempt));
      }
    }
  }
}
