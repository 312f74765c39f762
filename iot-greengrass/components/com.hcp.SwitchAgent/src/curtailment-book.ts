/**
 * Which device groups are held off and why, and the staggered restore. A group stays held while any reason holds it
 * and for at least `minCurtailedMs` after it was first curtailed; then its devices join a restore queue released
 * `restoreBatchSize` at a time every `restoreBatchIntervalMs`, so a site does not step its whole load back onto the
 * feeder at once. Pure: time comes in as arguments.
 */

export type HoldReason = 'price' | 'demand-response' | 'frequency' | 'command';

/**
 * One reaction's change of holds, all for one reason: groups to hold, then groups to release (or every group held for
 * that reason). A grid signal and a command are each read as one change.
 */
export interface HoldChange {
  readonly reason: HoldReason;
  readonly hold?: readonly string[];
  readonly release?: readonly string[] | 'all';
}

export interface RestorePolicy {
  readonly minCurtailedMs: number;
  readonly restoreBatchSize: number;
  readonly restoreBatchIntervalMs: number;
}

export interface CurtailmentSnapshot {
  readonly holds: ReadonlyArray<{ groupId: string; reasons: HoldReason[]; sinceMs: number }>;
  readonly restoreQueue: readonly string[];
  readonly lastBatchAtMs: number;
}

export class CurtailmentBook {
  private readonly holds = new Map<string, { reasons: Set<HoldReason>; sinceMs: number }>();
  private restoreQueue: string[] = [];
  private lastBatchAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly policy: RestorePolicy,
    snapshot?: CurtailmentSnapshot,
  ) {
    for (const h of snapshot?.holds ?? [])
      this.holds.set(h.groupId, { reasons: new Set(h.reasons), sinceMs: h.sinceMs });
    this.restoreQueue = [...(snapshot?.restoreQueue ?? [])];
    this.lastBatchAtMs = snapshot?.lastBatchAtMs ?? Number.NEGATIVE_INFINITY;
  }

  /** Returns true when the group was not held before (it must be curtailed now). */
  hold(groupId: string, reason: HoldReason, nowMs: number, devicesOfGroup: readonly string[]): boolean {
    const existing = this.holds.get(groupId);
    if (existing) {
      existing.reasons.add(reason);
      return false;
    }
    this.holds.set(groupId, { reasons: new Set([reason]), sinceMs: nowMs });
    // Devices still waiting to be restored are held again by the group itself.
    const devices = new Set(devicesOfGroup);
    this.restoreQueue = this.restoreQueue.filter((d) => !devices.has(d));
    return true;
  }

  /** Drops one reason; the group is restored by `step` once no reason is left and the minimum time has passed. */
  release(groupId: string, reason: HoldReason): void {
    this.holds.get(groupId)?.reasons.delete(reason);
  }

  releaseAll(reason: HoldReason): void {
    for (const groupId of this.holds.keys()) this.release(groupId, reason);
  }

  /** Holds, then releases, what the change names; restores happen on `step`. */
  change(change: HoldChange, nowMs: number, devicesByGroup: ReadonlyMap<string, readonly string[]>): void {
    for (const groupId of change.hold ?? [])
      this.hold(groupId, change.reason, nowMs, devicesByGroup.get(groupId) ?? []);
    if (change.release === 'all') this.releaseAll(change.reason);
    else for (const groupId of change.release ?? []) this.release(groupId, change.reason);
  }

  heldFor(reason: HoldReason): string[] {
    return [...this.holds].filter(([, h]) => h.reasons.has(reason)).map(([g]) => g);
  }

  /** Moves released groups to the restore queue and lets one batch go if its interval has passed. */
  step(nowMs: number, devicesByGroup: ReadonlyMap<string, readonly string[]>): void {
    for (const [groupId, h] of [...this.holds]) {
      if (h.reasons.size === 0 && nowMs - h.sinceMs >= this.policy.minCurtailedMs) {
        this.holds.delete(groupId);
        this.restoreQueue.push(...(devicesByGroup.get(groupId) ?? []));
      }
    }
    if (this.restoreQueue.length > 0 && nowMs - this.lastBatchAtMs >= this.policy.restoreBatchIntervalMs) {
      this.restoreQueue.splice(0, this.policy.restoreBatchSize);
      this.lastBatchAtMs = nowMs;
    }
  }

  /** Devices that must stay off: every device of a held group, and those still queued for restore. */
  heldDevices(devicesByGroup: ReadonlyMap<string, readonly string[]>): Set<string> {
    const out = new Set(this.restoreQueue);
    for (const groupId of this.holds.keys()) for (const d of devicesByGroup.get(groupId) ?? []) out.add(d);
    return out;
  }

  heldGroups(): string[] {
    return [...this.holds.keys()];
  }

  snapshot(): CurtailmentSnapshot {
    return {
      holds: [...this.holds].map(([groupId, h]) => ({ groupId, reasons: [...h.reasons], sinceMs: h.sinceMs })),
      restoreQueue: [...this.restoreQueue],
      lastBatchAtMs: Number.isFinite(this.lastBatchAtMs) ? this.lastBatchAtMs : -1e15,
    };
  }
}
