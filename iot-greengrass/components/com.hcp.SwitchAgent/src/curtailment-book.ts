/**
 * Which device groups are held off and why, and the staggered restore. A group stays held while any reason holds it
 * and for at least `minCurtailedMs` after it was first curtailed; then its devices join a restore queue released
 * `restoreBatchSize` at a time every `restoreBatchIntervalMs`, so a site does not step its whole load back onto the
 * feeder at once. Pure: time comes in as arguments.
 */

export type HoldReason = 'price' | 'demand-response' | 'frequency' | 'command';

/**
 * One reaction's change of holds, all for one reason: groups (or single devices: an armed award's) to hold, then
 * groups to release (or everything held for that reason). A grid signal and a command are each read as one change.
 */
export interface HoldChange {
  readonly reason: HoldReason;
  readonly hold?: readonly string[];
  /** Single devices to hold, not their whole group: the devices an armed award trips or curtails. */
  readonly holdDevices?: readonly string[];
  readonly release?: readonly string[] | 'all';
}

/** A hold on one device sits in the book under this key, beside the group holds. */
const DEVICE_KEY = 'device:';

function devicesOf(key: string, devicesByGroup: ReadonlyMap<string, readonly string[]>): readonly string[] {
  return key.startsWith(DEVICE_KEY) ? [key.slice(DEVICE_KEY.length)] : (devicesByGroup.get(key) ?? []);
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

const NONE: ReadonlySet<string> = new Set();

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
    for (const deviceId of change.holdDevices ?? [])
      this.hold(`${DEVICE_KEY}${deviceId}`, change.reason, nowMs, [deviceId]);
    if (change.release === 'all') this.releaseAll(change.reason);
    else for (const groupId of change.release ?? []) this.release(groupId, change.reason);
  }

  heldFor(reason: HoldReason): string[] {
    return [...this.holds].filter(([, h]) => h.reasons.has(reason)).map(([g]) => g);
  }

  /**
   * Moves released holds to the restore queue and lets one batch go if its interval has passed. A group's `kept`
   * devices (standing armed: a price hold never took them off) are not queued.
   */
  step(nowMs: number, devicesByGroup: ReadonlyMap<string, readonly string[]>, kept: ReadonlySet<string> = NONE): void {
    for (const [key, h] of [...this.holds]) {
      if (h.reasons.size === 0 && nowMs - h.sinceMs >= this.policy.minCurtailedMs) {
        this.holds.delete(key);
        const devices = devicesOf(key, devicesByGroup);
        this.restoreQueue.push(...(key.startsWith(DEVICE_KEY) ? devices : devices.filter((d) => !kept.has(d))));
      }
    }
    if (this.restoreQueue.length > 0 && nowMs - this.lastBatchAtMs >= this.policy.restoreBatchIntervalMs) {
      this.restoreQueue.splice(0, this.policy.restoreBatchSize);
      this.lastBatchAtMs = nowMs;
    }
  }

  /**
   * Devices that must stay off: every device of a held group or held alone, and those still queued for restore. A
   * `kept` device (standing armed for an award) stays on through a group hold for price alone: the award is worth more
   * than the energy, which is why the plan kept it on.
   */
  heldDevices(devicesByGroup: ReadonlyMap<string, readonly string[]>, kept: ReadonlySet<string> = NONE): Set<string> {
    const out = new Set(this.restoreQueue);
    for (const [key, h] of this.holds) {
      // A released group waiting out its minimum time counts as price-only: its kept devices never went off for it.
      const priceOnly = !key.startsWith(DEVICE_KEY) && [...h.reasons].every((r) => r === 'price');
      for (const d of devicesOf(key, devicesByGroup)) if (!(priceOnly && kept.has(d))) out.add(d);
    }
    return out;
  }

  heldGroups(): string[] {
    return [...this.holds.keys()].filter((key) => !key.startsWith(DEVICE_KEY));
  }

  /** Devices held alone (an award's trip or deployment), whatever the reason. */
  heldSingleDevices(): string[] {
    return [...this.holds.keys()]
      .filter((key) => key.startsWith(DEVICE_KEY))
      .map((key) => key.slice(DEVICE_KEY.length));
  }

  snapshot(): CurtailmentSnapshot {
    return {
      holds: [...this.holds].map(([groupId, h]) => ({ groupId, reasons: [...h.reasons], sinceMs: h.sinceMs })),
      restoreQueue: [...this.restoreQueue],
      lastBatchAtMs: Number.isFinite(this.lastBatchAtMs) ? this.lastBatchAtMs : -1e15,
    };
  }
}
