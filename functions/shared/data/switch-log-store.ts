import { type DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchLogEntry } from '../../../core/api/operations.js';
import type { SiteSwitch } from '../../../core/grid-events/telemetry.js';
import { entityOf, queryAllBetween } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * Each site's switch history: one item per committed or compensated SwitchFlow, and per switch the gateway made on
 * its own (a grid signal, the site power controller), in the site's partition
 * (`SITE#<id>` / `SWITCHLOG#<at>#<commandId>`), kept 35 days, read newest first by the operator API.
 */
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const PREFIX = 'SWITCHLOG#';
const KEEP_S = 35 * 24 * 3600;

export class DynamoSwitchLogStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  /**
   * Appends an entry; one that names a command is recorded once per (action, command): a step retried after its
   * answer was lost (a CommitSwitch, say) adds no second row.
   */
  async append(entry: SwitchLogEntry): Promise<void> {
    const expiresAtEpochS = Math.ceil(Date.parse(entry.at) / 1000) + KEEP_S;
    const item = {
      TableName: this.deps.tableName,
      Item: {
        [PK]: `SITE#${entry.siteId}`,
        // A local switch has neither: its cause keeps it apart from a flow's entry of the same instant.
        [SK]: `${PREFIX}${entry.at}#${entry.commandId ?? entry.executionName ?? entry.cause ?? ''}`,
        [ttlAttribute]: expiresAtEpochS,
        ...entry,
      },
    };
    if (!entry.commandId) {
      await this.deps.client.send(new PutCommand(item));
      return;
    }
    const marker = {
      TableName: this.deps.tableName,
      Item: {
        [PK]: `SITE#${entry.siteId}`,
        [SK]: `SWITCHLOG-ONCE#${entry.action}#${entry.commandId}`,
        [ttlAttribute]: expiresAtEpochS,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    };
    try {
      await this.deps.client.send(new TransactWriteCommand({ TransactItems: [{ Put: marker }, { Put: item }] }));
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return; // recorded already
      throw error;
    }
  }

  /** A site's entries from `fromMs` to `toMs`, oldest first, as the grid-event evidence links them. */
  async between(siteId: string, fromMs: number, toMs: number): Promise<SiteSwitch[]> {
    const entries = await queryAllBetween<SwitchLogEntry>(this.deps, `SITE#${siteId}`, PREFIX, fromMs, toMs);
    return entries.map((entry) => ({
      at: entry.at,
      source: entry.source ?? (entry.action === 'switch.local' ? 'local' : 'flow'),
      action: entry.action,
      ...(entry.cause === undefined ? {} : { cause: entry.cause }),
      ...(entry.latencyMs === undefined ? {} : { latencyMs: entry.latencyMs }),
      ...(entry.devices === undefined ? {} : { devices: entry.devices }),
    }));
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
