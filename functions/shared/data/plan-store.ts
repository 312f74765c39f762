import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

import { type Plan, planSchema } from '../../../core/model/plan.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * Plans are immutable versions plus a `current` pointer. Saving version N writes the version item and moves the
 * pointer from N-1 to N in one transaction, so two optimizer runs that race for the same version cannot both win
 * and the pointer never names a version that was not written.
 */

export interface PlanVersionSummary {
  readonly version: number;
  readonly createdAt: string;
  readonly horizonStart: string;
  readonly siteCount: number;
  readonly solverMode: Plan['solver']['mode'];
  readonly solverStatus: string;
}

/**
 * The pointer's move to `plan`: conditional on the previous version (none for version 1) and, in a multi-region
 * deployment, on no site of the plan carrying a higher lease epoch on the pointer than the plan does, so a plan solved
 * by a fenced-out region is refused once a plan of the new holder was saved. The pointer keeps each site's highest
 * epoch as its own attribute (`leaseEpoch#<siteId>`): a plan of some sites leaves the others' as they are.
 */
function pointerUpdate(plan: Plan) {
  const names: Record<string, string> = { '#version': 'version', '#createdAt': 'createdAt' };
  const values: Record<string, unknown> = { ':version': plan.version, ':createdAt': plan.createdAt };
  const sets = ['#version = :version', '#createdAt = :createdAt'];
  const conditions = [plan.version === 1 ? 'attribute_not_exists(#version)' : '#version = :previous'];
  if (plan.version !== 1) values[':previous'] = plan.version - 1;
  Object.entries(plan.leaseEpochs ?? {}).forEach(([siteId, epoch], i) => {
    names[`#e${i}`] = epochAttribute(siteId);
    values[`:e${i}`] = epoch;
    sets.push(`#e${i} = :e${i}`);
    conditions.push(`(attribute_not_exists(#e${i}) OR #e${i} <= :e${i})`);
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

const epochAttribute = (siteId: string) => `leaseEpoch#${siteId}`;

export type SavePlanResult =
  | { readonly ok: true; readonly version: number }
  | {
      /**
       * `version-conflict`: another writer saved this version first, or the pointer is not at `version - 1`;
       * `stale-epoch`: the current plan names a higher lease epoch for one of this plan's sites (a fenced region's plan).
       */
      readonly ok: false;
      readonly reason: 'version-conflict' | 'stale-epoch';
      readonly version: number;
      /** DynamoDB's cancellation reason per transaction item: version item, pointer. */
      readonly cancellationCodes: string[];
    };

export interface PlanStore {
  /** Saves `plan` as version `plan.version`, which must follow the current version (1 when there is none). */
  save(plan: Plan): Promise<SavePlanResult>;
  loadCurrent(): Promise<Plan | undefined>;
  loadVersion(version: number): Promise<Plan | undefined>;
  /** Newest first; only versions below `beforeVersion` when given (the next page of a history). */
  listHistory(options?: { limit?: number; beforeVersion?: number }): Promise<PlanVersionSummary[]>;
}

const PLAN_PARTITION = 'PLAN';
const VERSION_PREFIX = 'VERSION#';
/** Zero-padded so the sort key orders versions numerically. */
const versionSortKey = (version: number) => `${VERSION_PREFIX}${String(version).padStart(10, '0')}`;
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const currentPointerKey = { [PK]: PLAN_PARTITION, [SK]: 'CURRENT' };
const versionKey = (version: number) => ({ [PK]: PLAN_PARTITION, [SK]: versionSortKey(version) });

const summaryOf = (plan: Plan): PlanVersionSummary => ({
  version: plan.version,
  createdAt: plan.createdAt,
  horizonStart: plan.horizonStart,
  siteCount: plan.sites.length,
  solverMode: plan.solver.mode,
  solverStatus: plan.solver.status,
});

export class DynamoPlanStore implements PlanStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async save(input: Plan): Promise<SavePlanResult> {
    const plan = parseOrThrow(planSchema, input, 'plan');
    const { client, tableName } = this.deps;
    const pointer = pointerUpdate(plan);
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...versionKey(plan.version),
                  ...summaryOf(plan),
                  // A day of 5-minute intervals for every site nears the 400 KB item limit as JSON; gzip keeps
                  // it an order of magnitude below.
                  planGzip: gzipSync(JSON.stringify(plan)),
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            { Update: { TableName: tableName, Key: currentPointerKey, ...pointer } },
          ],
        }),
      );
      return { ok: true, version: plan.version };
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
      return {
        ok: false,
        reason: (await this.fencedBy(plan)) ? 'stale-epoch' : 'version-conflict',
        version: plan.version,
        cancellationCodes: reasons.map((reason) => reason.Code ?? 'Unknown'),
      };
    }
  }

  /** Whether the current pointer names a higher lease epoch than `plan` for one of its sites. */
  private async fencedBy(plan: Plan): Promise<boolean> {
    if (!plan.leaseEpochs) return false;
    const { client, tableName } = this.deps;
    const pointer = (await client.send(new GetCommand({ TableName: tableName, Key: currentPointerKey }))).Item ?? {};
    return Object.entries(plan.leaseEpochs).some(([siteId, epoch]) => {
      const stored = pointer[epochAttribute(siteId)];
      return typeof stored === 'number' && stored > epoch;
    });
  }

  async loadCurrent(): Promise<Plan | undefined> {
    const { client, tableName } = this.deps;
    const pointer = await client.send(new GetCommand({ TableName: tableName, Key: currentPointerKey }));
    const version = pointer.Item?.version;
    return typeof version === 'number' ? this.loadVersion(version) : undefined;
  }

  async loadVersion(version: number): Promise<Plan | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: versionKey(version), ProjectionExpression: 'planGzip' }),
    );
    const blob = result.Item?.planGzip as Uint8Array | undefined;
    if (!blob) return undefined;
    return parseOrThrow(planSchema, JSON.parse(gunzipSync(blob).toString('utf8')), `stored plan version ${version}`);
  }

  async listHistory(options: { limit?: number; beforeVersion?: number } = {}): Promise<PlanVersionSummary[]> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression:
          options.beforeVersion === undefined
            ? '#pk = :pk AND begins_with(#sk, :prefix)'
            : '#pk = :pk AND #sk BETWEEN :prefix AND :below',
        ExpressionAttributeNames: {
          '#pk': PK,
          '#sk': SK,
          '#version': 'version',
          '#createdAt': 'createdAt',
          '#horizonStart': 'horizonStart',
          '#siteCount': 'siteCount',
          '#solverMode': 'solverMode',
          '#solverStatus': 'solverStatus',
        },
        ExpressionAttributeValues: {
          ':pk': PLAN_PARTITION,
          ':prefix': VERSION_PREFIX,
          ...(options.beforeVersion === undefined ? {} : { ':below': versionSortKey(options.beforeVersion - 1) }),
        },
        // The summaries only: the compressed plans stay on the server.
        ProjectionExpression: '#version, #createdAt, #horizonStart, #siteCount, #solverMode, #solverStatus',
        ScanIndexForward: false,
        Limit: options.limit ?? 50,
      }),
    );
    return (result.Items ?? []) as PlanVersionSummary[];
  }
}
