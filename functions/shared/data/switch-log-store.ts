import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchLogEntry } from '../../../core/api/operations.js';
import { TABLE_KEYS } from './table-design.js';
import { entityOf } from './tenant-store.js';

/**
 * Each site's switch history: one item per committed or compensated SwitchFlow in the site's partition
 * (`SITE#<id>` / `SWITCHLOG#<at>#<commandId>`), kept 35 days, read newest first by the operator API.
 */
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const PREFIX = 'SWITCHLOG#';
const KEEP_S = 35 * 24 * 3600;

export class DynamoSwitchLogStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async append(entry: SwitchLogEntry): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          [PK]: `SITE#${entry.siteId}`,
          [SK]: `${PREFIX}${entry.at}#${entry.commandId ?? entry.executionName ?? ''}`,
          [ttlAttribute]: Math.ceil(Date.parse(entry.at) / 1000) + KEEP_S,
          ...entry,
        },
      }),
    );
  }

  /** The newest `limit` entries of a site, newest first. */
  async list(siteId: string, limit: number): Promise<SwitchLogEntry[]> {
    const page = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': `SITE#${siteId}`, ':prefix': PREFIX },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => {
      const { [ttlAttribute]: _ttl, ...entry } = entityOf<Record<string, unknown>>(item);
      return entry as SwitchLogEntry;
    });
  }
}
