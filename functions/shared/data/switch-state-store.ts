import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from './table-design.js';

export type SwitchStatus = 'draining' | 'commanded' | 'committed' | 'safe-mode';

/** A site's switching state, as the API's switch-status view reads it. */
export interface SiteSwitchState {
  readonly siteId: string;
  readonly status: SwitchStatus;
  readonly executionName: string;
  readonly updatedAt: string;
  readonly planVersion?: number;
  readonly commandId?: string;
  readonly seq?: number;
  /** An operator override's expiry: dispatch leaves the site alone until then. */
  readonly overrideUntil?: string;
  /** Set while draining: the workload router stops assigning work to the site. */
  readonly drainingSince?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface SwitchStateStore {
  /** The next command sequence number of the site: strictly increasing, never reused. */
  allocateSeq(siteId: string): Promise<number>;
  put(state: SiteSwitchState): Promise<void>;
  get(siteId: string): Promise<SiteSwitchState | undefined>;
}

/**
 * Access patterns: a site's switching state (`SITE#<id>` / `SWITCH`), read by the API's switch-status view and the
 * workload router (draining); a site's command sequence counter (`SITE#<id>` / `SEQ`), an atomic ADD so two
 * writers can never draw the same number.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
export const switchStateKey = (siteId: string) => ({ [PK]: `SITE#${siteId}`, [SK]: 'SWITCH' });
export const sequenceKey = (siteId: string) => ({ [PK]: `SITE#${siteId}`, [SK]: 'SEQ' });

export class DynamoSwitchStateStore implements SwitchStateStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async allocateSeq(siteId: string): Promise<number> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: sequenceKey(siteId),
        UpdateExpression: 'ADD #lastSeq :one',
        ExpressionAttributeNames: { '#lastSeq': 'lastSeq' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = result.Attributes?.lastSeq;
    if (typeof seq !== 'number') throw new Error(`sequence counter of ${siteId} returned no number`);
    return seq;
  }

  async put(state: SiteSwitchState): Promise<void> {
    const { client, tableName } = this.deps;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...switchStateKey(state.siteId), ...state } }));
  }

  async get(siteId: string): Promise<SiteSwitchState | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(new GetCommand({ TableName: tableName, Key: switchStateKey(siteId) }));
    if (!result.Item) return undefined;
    const { [PK]: _pk, [SK]: _sk, ...state } = result.Item;
    return state as SiteSwitchState;
  }
}
