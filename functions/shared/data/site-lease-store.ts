import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../../core/support/clock.js';
import { COMMAND_VALID_FOR_MS } from '../../../core/switching/command.js';
import {
  commandValidityMs,
  DEFAULT_LEASE_TIMING,
  type LeaseDecision,
  type LeaseTiming,
  leaseDecision,
  planFenceRefusal,
  type SiteLease,
} from '../../../core/switching/lease.js';
import { isConditionFailure } from './dynamo-helpers.js';
import type { SeqAllocation, SiteSwitchState, SwitchStateStore } from './switch-state-store.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The site leases of a multi-region deployment (core/switching/lease.ts), in the lease table: an MRSC global table in
 * AWS, so a conditional write acknowledged in one region is what a strongly consistent read sees in every region, and
 * a region cut off from the quorum gets errors, never a stale success. Access pattern: a site's lease, command counter
 * and fencing epoch (`SITE#<id>` / `LEASE`), one item, every write conditional on the holder.
 */

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
export const siteLeaseKey = (siteId: string) => ({ [PK]: `SITE#${siteId}`, [SK]: 'LEASE' });

/** The region asked to command a site whose lease it does not hold (fenced out, or not yet taken). */
export class LeaseNotHeldError extends Error {
  constructor(siteId: string, region: string) {
    super(`region ${region} does not hold the lease of site ${siteId}`);
    this.name = 'LeaseNotHeld';
  }
}

export interface SiteLeaseStoreDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** This control plane's region. */
  readonly region: string;
  readonly clock: Clock;
  readonly timing?: LeaseTiming;
}

export class DynamoSiteLeaseStore {
  constructor(private readonly deps: SiteLeaseStoreDeps) {}

  async get(siteId: string): Promise<SiteLease | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: siteLeaseKey(siteId), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const { holder, epoch, expiresAtMs, lastSeq } = result.Item;
    return { siteId, holder, epoch, expiresAtMs, lastSeq: lastSeq ?? 0 };
  }

  /**
   * Takes or renews the site's lease when the rules allow (leaseDecision), conditional on the lease read being the
   * one still stored: of two regions racing for an expired lease, one wins and the other reads `wait` next time.
   */
  async keep(siteId: string, options: { readonly mayCreate: boolean } = { mayCreate: true }): Promise<LeaseDecision> {
    const { client, tableName, region, clock, timing = DEFAULT_LEASE_TIMING } = this.deps;
    const current = await this.get(siteId);
    if (!current && !options.mayCreate) return { kind: 'wait', holder: 'none', freeAtMs: clock.nowMs() };
    const decision = leaseDecision(siteId, current, region, clock.nowMs(), timing);
    if (decision.kind === 'wait') return decision;
    const { lease } = decision;
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: siteLeaseKey(siteId),
          UpdateExpression: 'SET #holder = :holder, #epoch = :epoch, #expiresAtMs = :expiresAtMs',
          ConditionExpression: current
            ? '#holder = :was AND #epoch = :wasEpoch AND #expiresAtMs = :wasExpiresAtMs'
            : 'attribute_not_exists(#holder)',
          ExpressionAttributeNames: { '#holder': 'holder', '#epoch': 'epoch', '#expiresAtMs': 'expiresAtMs' },
          ExpressionAttributeValues: {
            ':holder': lease.holder,
            ':epoch': lease.epoch,
            ':expiresAtMs': lease.expiresAtMs,
            ...(current
              ? { ':was': current.holder, ':wasEpoch': current.epoch, ':wasExpiresAtMs': current.expiresAtMs }
              : {}),
          },
        }),
      );
      return decision;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const now = await this.get(siteId);
      return { kind: 'wait', holder: now?.holder ?? 'unknown', freeAtMs: now?.expiresAtMs ?? clock.nowMs() };
    }
  }

  /** Which of `siteIds` this region holds an unexpired lease of (strongly consistent reads). */
  async heldSiteIds(siteIds: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set((await this.heldEpochs(siteIds)).keys());
  }

  /** The epoch of each of `siteIds` whose unexpired lease this region holds (strongly consistent reads). */
  async heldEpochs(siteIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const { region, clock } = this.deps;
    const leases = await Promise.all(siteIds.map((siteId) => this.get(siteId)));
    const nowMs = clock.nowMs();
    return new Map(
      leases.flatMap((lease) =>
        lease?.holder === region && nowMs < lease.expiresAtMs ? [[lease.siteId, lease.epoch]] : [],
      ),
    );
  }

  /**
   * The sites of a plan solved under `epochs` that this region may no longer save it for (planFenceRefusal), read
   * strongly consistent: empty when the plan may be saved. A region cut off from the quorum gets an error instead.
   */
  async refusePlan(epochs: Readonly<Record<string, number>>): Promise<Array<{ siteId: string; reason: string }>> {
    const { region, clock } = this.deps;
    const siteIds = Object.keys(epochs);
    const leases = await Promise.all(siteIds.map((siteId) => this.get(siteId)));
    const nowMs = clock.nowMs();
    return siteIds.flatMap((siteId, i) => {
      const reason = planFenceRefusal(leases[i], region, epochs[siteId]!, nowMs);
      return reason ? [{ siteId, reason }] : [];
    });
  }

  /** The site's next sequence number under this region's lease, and how long its command may stay valid. */
  async allocateSeq(siteId: string): Promise<SeqAllocation> {
    const { region, clock } = this.deps;
    const nowMs = clock.nowMs();
    const result = await this.heldUpdate(siteId, nowMs, {
      UpdateExpression: 'ADD #lastSeq :one',
      ExpressionAttributeNames: { '#lastSeq': 'lastSeq' },
      ExpressionAttributeValues: { ':one': 1 },
    });
    const lease = { siteId, ...result, lastSeq: Number(result.lastSeq) } as SiteLease;
    const validForMs = commandValidityMs(lease, region, nowMs, COMMAND_VALID_FOR_MS);
    if (validForMs === undefined) throw new LeaseNotHeldError(siteId, region);
    return { seq: lease.lastSeq, epoch: lease.epoch, validForMs };
  }

  /** Moves the counter up to the gateway's `lastSeq` (never down), under this region's lease. */
  async resyncSeq(siteId: string, lastSeq: number): Promise<number> {
    try {
      const result = await this.heldUpdate(siteId, this.deps.clock.nowMs(), {
        UpdateExpression: 'SET #lastSeq = :lastSeq',
        ExpressionAttributeNames: { '#lastSeq': 'lastSeq' },
        ExpressionAttributeValues: { ':lastSeq': lastSeq },
        extraCondition: '(attribute_not_exists(#lastSeq) OR #lastSeq < :lastSeq)',
      });
      return Number(result.lastSeq);
    } catch (error) {
      if (!(error instanceof LeaseNotHeldError)) throw error;
      // Either not ours, or already past it: only the first is an error.
      const lease = await this.get(siteId);
      if (lease?.holder !== this.deps.region || lease.expiresAtMs <= this.deps.clock.nowMs()) throw error;
      return lease.lastSeq;
    }
  }

  /** A fresh epoch for a gateway that lost its state, under this region's lease. */
  async advanceEpoch(siteId: string): Promise<number> {
    const result = await this.heldUpdate(siteId, this.deps.clock.nowMs(), {
      UpdateExpression: 'ADD #epoch :one',
      ExpressionAttributeNames: { '#epoch': 'epoch' },
      ExpressionAttributeValues: { ':one': 1 },
    });
    return Number(result.epoch);
  }

  /** An update that runs only while this region holds the site's unexpired lease. */
  private async heldUpdate(
    siteId: string,
    nowMs: number,
    update: {
      UpdateExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
      extraCondition?: string;
    },
  ): Promise<Record<string, unknown>> {
    const { client, tableName, region } = this.deps;
    const held = '#holder = :region AND #expiresAtMs > :nowMs';
    try {
      const result = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: siteLeaseKey(siteId),
          UpdateExpression: update.UpdateExpression,
          ConditionExpression: update.extraCondition ? `${held} AND ${update.extraCondition}` : held,
          ExpressionAttributeNames: {
            ...update.ExpressionAttributeNames,
            '#holder': 'holder',
            '#expiresAtMs': 'expiresAtMs',
          },
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':region': region, ':nowMs': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) throw new LeaseNotHeldError(siteId, region);
      throw error;
    }
  }
}

/**
 * The switching state of a multi-region deployment: the site's state record stays in the regional (global) table,
 * while the counter and epoch come from the lease, so only the lease holder draws command numbers and every command
 * it draws expires with its lease.
 */
export class LeasedSwitchStateStore implements SwitchStateStore {
  constructor(
    private readonly leases: DynamoSiteLeaseStore,
    private readonly states: Pick<SwitchStateStore, 'put' | 'get'>,
  ) {}

  allocateSeq(siteId: string): Promise<SeqAllocation> {
    return this.leases.allocateSeq(siteId);
  }
  resyncSeq(siteId: string, lastSeq: number): Promise<number> {
    return this.leases.resyncSeq(siteId, lastSeq);
  }
  advanceEpoch(siteId: string): Promise<number> {
    return this.leases.advanceEpoch(siteId);
  }
  put(state: SiteSwitchState): Promise<void> {
    return this.states.put(state);
  }
  get(siteId: string): Promise<SiteSwitchState | undefined> {
    return this.states.get(siteId);
  }
}
