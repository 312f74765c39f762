import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type GpuNodeReport, gpuNodeReportSchema } from '../../../core/gpu/node-messages.js';
import { isConditionFailure, type StoreDeps } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

export interface StoredGpuNodeReport {
  readonly report: GpuNodeReport;
  readonly receivedAt: string;
}

/** Where the latest GPU node report of each site is kept and read (the API, the optimizer's fleet source). */
export interface GpuNodeStore {
  /** Keeps the report unless a newer one (by `reportedAt`) is stored; false when it was older. */
  put(report: GpuNodeReport, receivedAt: string): Promise<boolean>;
  get(siteId: string): Promise<StoredGpuNodeReport | undefined>;
}

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const SORT_KEY = 'GPUNODES';

/**
 * One item per site, `SITE#<id>` / `GPUNODES`: the site's latest report (QoS 0, sent every few seconds, so one lost or
 * late report is replaced by the next; an older one arriving late never overwrites a newer one).
 */
export class DynamoGpuNodeStore implements GpuNodeStore {
  constructor(private readonly deps: StoreDeps) {}

  async put(report: GpuNodeReport, receivedAt: string): Promise<boolean> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            [PK]: `SITE#${report.siteId}`,
            [SK]: SORT_KEY,
            siteId: report.siteId,
            reportedAt: report.reportedAt,
            reportedAtMs: Date.parse(report.reportedAt),
            receivedAt,
            report,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
          ExpressionAttributeNames: { '#pk': PK, '#at': 'reportedAtMs' },
          ExpressionAttributeValues: { ':at': Date.parse(report.reportedAt) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(siteId: string): Promise<StoredGpuNodeReport | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: { [PK]: `SITE#${siteId}`, [SK]: SORT_KEY } }),
    );
    if (!Item) return undefined;
    // Written only by `put` from a parsed report; parsed again so a hand-edited item fails loudly, not downstream.
    return { report: gpuNodeReportSchema.parse(Item.report), receivedAt: String(Item.receivedAt) };
  }
}
