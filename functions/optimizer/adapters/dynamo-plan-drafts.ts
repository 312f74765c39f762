import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Plan, planSchema } from '../../../core/model/plan.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { TABLE_KEYS } from '../../shared/data/table-design.js';
import type { PlanDraftStore } from '../ports.js';

/** Access pattern: a dispatch run's solved plan before it becomes a version (`PLAN` / `DRAFT#<execution>`), a day. */
const DRAFT_TTL_S = 24 * 3600;
const draftKey = (draftId: string) => ({ [TABLE_KEYS.partitionKey]: 'PLAN', [TABLE_KEYS.sortKey]: `DRAFT#${draftId}` });

export class DynamoPlanDraftStore implements PlanDraftStore {
  constructor(
    private readonly deps: {
      readonly client: DynamoDBDocumentClient;
      readonly tableName: string;
      readonly nowMs: () => number;
    },
  ) {}

  async put(draftId: string, plan: Plan): Promise<void> {
    const { client, tableName, nowMs } = this.deps;
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...draftKey(draftId),
          planGzip: gzipSync(JSON.stringify(plan)),
          [TABLE_KEYS.ttlAttribute]: Math.ceil(nowMs() / 1000) + DRAFT_TTL_S,
        },
      }),
    );
  }

  async get(draftId: string): Promise<Plan | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(new GetCommand({ TableName: tableName, Key: draftKey(draftId) }));
    const blob = result.Item?.planGzip as Uint8Array | undefined;
    if (!blob) return undefined;
    return parseOrThrow(planSchema, JSON.parse(gunzipSync(blob).toString('utf8')), `plan draft ${draftId}`);
  }
}
