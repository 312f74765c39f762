import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from './table-design.js';

/**
 * `rejecting`: the last switch ended on the gateway's refusal (stale seq, bad signature, stale epoch, resync required)
 * and no switch has committed since: the site is not taking the cloud's commands. `safe-mode`: any other failure.
 */
export type SwitchStatus = 'draining' | 'commanded' | 'committed' | 'rejecting' | 'safe-mode';

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

/** A sequence number drawn for a command, and the lease generation (fencing epoch) stored with the counter. */
export interface SeqAllocation {
  readonly seq: number;
  readonly epoch: number;
  /** A multi-region lease cuts the command's validity at the lease's expiry (core/switching/lease.ts). */
  readonly validForMs?: number;
}

/** The first lease generation: a site whose counter never saw a takeover. */
export const FIRST_EPOCH = 1;

export interface SwitchStateStore {
  /** The next command sequence number of the site (strictly increasing, never reused) and the current epoch. */
  allocateSeq(siteId: string): Promise<SeqAllocation>;
  /**
   * Moves the counter up to at least `lastSeq` (the gateway's, from a stale-seq refusal), never down and never
   * touching the epoch: a resync cannot let a fenced-out writer back in. Returns the counter after the move.
   */
  resyncSeq(siteId: string, lastSeq: number): Promise<number>;
  /** A control plane takes the site's lease: the epoch goes up by one and older writers are fenced out. */
  advanceEpoch(siteId: string): Promise<number>;
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

  async allocateSeq(siteId: string): Promise<SeqAllocation> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: sequenceKey(siteId),
        UpdateExpression: 'ADD #lastSeq :one SET #epoch = if_not_exists(#epoch, :first)',
        ExpressionAttributeNames: { '#lastSeq': 'lastSeq', '#epoch': 'epoch' },
        ExpressionAttributeValues: { ':one': 1, ':first': FIRST_EPOCH },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { lastSeq: seq, epoch } = result.Attributes ?? {};
    if (typeof seq !== 'number' || typeof epoch !== 'number') {
      throw new Error(`sequence counter of ${siteId} returned no number`);
    }
    return { seq, epoch };
  }

  async resyncSeq(siteId: string, lastSeq: number): Promise<number> {
    const { client, tableName } = this.deps;
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: sequenceKey(siteId),
          UpdateExpression: 'SET #lastSeq = :lastSeq',
          ConditionExpression: 'attribute_not_exists(#lastSeq) OR #lastSeq < :lastSeq',
          ExpressionAttributeNames: { '#lastSeq': 'lastSeq' },
          ExpressionAttributeValues: { ':lastSeq': lastSeq },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(result.Attributes?.lastSeq);
    } catch (error) {
      // Already at or past it (another resync, or commands drawn since): nothing to move.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const current = await client.send(new GetCommand({ TableName: tableName, Key: sequenceKey(siteId) }));
      return Number(current.Item?.lastSeq);
    }
  }

  async advanceEpoch(siteId: string): Promise<number> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: sequenceKey(siteId),
        UpdateExpression: 'SET #epoch = if_not_exists(#epoch, :first) + :one',
        ExpressionAttributeNames: { '#epoch': 'epoch' },
        ExpressionAttributeValues: { ':one': 1, ':first': FIRST_EPOCH },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.epoch);
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
