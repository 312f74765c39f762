import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Plan, planSchema } from '../../../core/model/plan.js';
import type { CoordinationRound } from '../../../core/optimizer/coordination.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { TABLE_KEYS } from '../../shared/data/table-design.js';
import type { DispatchContext, DispatchWorkspace } from '../ports.js';

/**
 * Access pattern: one dispatch run's workspace under `DISPATCH#<execution>`: `CONTEXT`, `ROUND#<k>`, and
 * `BATCH#<k>#<first site id>` (a round's batch plans by prefix). Items are gzipped JSON (a batch of many sites with a
 * day of intervals is far over DynamoDB's 400 KB raw) and expire after a day, as plan drafts do.
 */
const WORKSPACE_TTL_S = 24 * 3600;
const round3 = (iteration: number) => String(iteration).padStart(3, '0');
const key = (draftId: string, sk: string) => ({
  [TABLE_KEYS.partitionKey]: `DISPATCH#${draftId}`,
  [TABLE_KEYS.sortKey]: sk,
});
const batchPrefix = (iteration: number) => `BATCH#${round3(iteration)}#`;

export class DynamoDispatchWorkspace implements DispatchWorkspace {
  constructor(
    private readonly deps: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly nowMs: () => number;
    },
  ) {}

  putContext(draftId: string, context: DispatchContext): Promise<void> {
    return this.put(draftId, 'CONTEXT', context);
  }

  // The context and rounds are read back by the run that wrote them; the batch plans are checked as plans are.
  async getContext(draftId: string): Promise<DispatchContext | undefined> {
    return (await this.get(draftId, 'CONTEXT')) as DispatchContext | undefined;
  }

  putRound(draftId: string, round: CoordinationRound): Promise<void> {
    return this.put(draftId, `ROUND#${round3(round.iteration)}`, round);
  }

  async getRound(draftId: string, iteration: number): Promise<CoordinationRound | undefined> {
    return (await this.get(draftId, `ROUND#${round3(iteration)}`)) as CoordinationRound | undefined;
  }

  putBatch(draftId: string, iteration: number, plan: Plan): Promise<void> {
    return this.put(draftId, `${batchPrefix(iteration)}${plan.sites[0]!.siteId}`, plan);
  }

  async getBatch(draftId: string, iteration: number, firstSiteId: string): Promise<Plan | undefined> {
    const body = await this.get(draftId, `${batchPrefix(iteration)}${firstSiteId}`);
    return body === undefined ? undefined : parseOrThrow(planSchema, body, `batch ${firstSiteId} of ${draftId}`);
  }

  async listBatches(draftId: string, iteration: number): Promise<Plan[]> {
    const { client, tableName } = this.deps;
    const plans: Plan[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': `DISPATCH#${draftId}`, ':prefix': batchPrefix(iteration) },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) plans.push(parseOrThrow(planSchema, unzip(item), `a batch of ${draftId}`));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return plans;
  }

  private async put(draftId: string, sk: string, body: unknown): Promise<void> {
    const { client, tableName, nowMs } = this.deps;
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...key(draftId, sk),
          bodyGzip: gzipSync(JSON.stringify(body)),
          [TABLE_KEYS.ttlAttribute]: Math.ceil(nowMs() / 1000) + WORKSPACE_TTL_S,
        },
      }),
    );
  }

  private async get(draftId: string, sk: string): Promise<unknown> {
    const { client, tableName } = this.deps;
    const result = await client.send(new GetCommand({ TableName: tableName, Key: key(draftId, sk) }));
    return result.Item ? unzip(result.Item) : undefined;
  }
}

const unzip = (item: Record<string, unknown>): unknown =>
  JSON.parse(gunzipSync(item.bodyGzip as Uint8Array).toString('utf8'));
