import { mapWithConcurrency } from '../../../adapters/asic/fan-out.js';
import type { DeviceDriver, DeviceFailure, GatewayDevice } from '../../../adapters/device-port.js';
import { type DeviceTarget, TARGET_OFF } from './target-state.js';

const OK = Object.freeze({ ok: true as const, value: undefined });

/**
 * Moves devices to their target state and believes only their replies. A switch counts as `accepted` when the
 * device's protocol reply accepts it, and as `confirmed` when a later read of the device (or telemetry) shows it; a
 * device that fails or reads back wrong is retried on the next pass and marked `drifted` after `maxAttempts`, after
 * which it is left alone until its target changes or telemetry sees it again (in its target state: confirmed; in the
 * wrong one: retried afresh).
 */

export type DeviceSwitchStatus = 'confirmed' | 'accepted' | 'pending' | 'drifted';

export interface DeviceStatus {
  readonly target: DeviceTarget;
  readonly status: DeviceSwitchStatus;
  readonly attempts: number;
  readonly lastFailure?: DeviceFailure;
}

export interface ReconcilerOptions {
  readonly maxAttempts: number;
  readonly concurrency: number;
  /**
   * Per-unit full power of each ASIC group: a device that ran on a power target and now has none is set back to it
   * (firmware keeps the last target it was given).
   */
  readonly fullPowerWByGroup?: ReadonlyMap<string, number>;
}

export interface ApplyReport {
  /** Devices switched in this pass, and how many of those the device accepted. */
  readonly devices: readonly GatewayDevice[];
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
}

interface Entry {
  target: DeviceTarget;
  status: DeviceSwitchStatus;
  attempts: number;
  lastFailure?: DeviceFailure;
  /** The device runs already and accepted it: only its power target changes (one request, no curtail). */
  powerOnly?: boolean;
}

export class DeviceReconciler {
  private readonly entries = new Map<string, Entry>();
  private readonly byId: Map<string, GatewayDevice>;

  constructor(
    private readonly devices: readonly GatewayDevice[],
    private readonly driver: DeviceDriver,
    private readonly options: ReconcilerOptions,
  ) {
    this.byId = new Map(devices.map((d) => [d.id, d]));
  }

  /**
   * Sends every device whose target changed (a `held` device's target is off, a `trimmed` running device runs at the
   * per-unit power target given); resolves when all have replied.
   */
  async apply(
    targets: ReadonlyMap<string, DeviceTarget>,
    held?: ReadonlySet<string>,
    trimmed?: ReadonlyMap<string, number>,
  ): Promise<ApplyReport> {
    const toSend: GatewayDevice[] = [];
    for (const [id, planned] of targets) {
      const device = this.byId.get(id);
      if (!device) continue;
      const entry = this.entries.get(id);
      const target = this.targetOf(device, planned, entry, held, trimmed);
      if (!entry || !sameTarget(entry.target, target)) {
        const settled = entry?.status === 'accepted' || entry?.status === 'confirmed';
        const powerOnly = settled && entry.target.on && target.on;
        this.entries.set(id, { target, status: 'pending', attempts: 0, ...(powerOnly ? { powerOnly } : {}) });
        toSend.push(device);
      }
    }
    return this.send(toSend);
  }

  private targetOf(
    device: GatewayDevice,
    planned: DeviceTarget,
    entry: Entry | undefined,
    held: ReadonlySet<string> | undefined,
    trimmed: ReadonlyMap<string, number> | undefined,
  ): DeviceTarget {
    if (held?.has(device.id)) return TARGET_OFF;
    const trimW = trimmed?.get(device.id);
    if (planned.on && trimW !== undefined) return { on: true, powerW: trimW };
    // Back from a target to none: the firmware would stay on the last one, so the group's full power is sent.
    const fullW = this.options.fullPowerWByGroup?.get(device.groupId);
    if (planned.on && planned.powerW === undefined && entry?.target.powerW !== undefined && fullW !== undefined) {
      return entry.target.powerW === fullW ? entry.target : { on: true, powerW: fullW };
    }
    return planned;
  }

  /** Readies the next switch of every device through the driver (LuxOS sessions): on the tick, never on a signal. */
  async prepare(): Promise<number> {
    return (await this.driver.prepare?.(this.devices, this.options.concurrency)) ?? 0;
  }

  /**
   * Sends again every device still pending after a failure or a wrong read-back. Kept apart from `apply` so a wedged
   * miner's timeouts are paid on the tick, never on a grid signal's path.
   */
  retryPending(): Promise<ApplyReport> {
    const pending = [...this.entries].filter(([, e]) => e.status === 'pending').map(([id]) => this.byId.get(id)!);
    return this.send(pending);
  }

  private async send(toSend: readonly GatewayDevice[]): Promise<ApplyReport> {
    const results = await mapWithConcurrency(toSend, this.options.concurrency, async (device) => {
      const entry = this.entries.get(device.id)!;
      const target = entry.target;
      let result = entry.powerOnly ? OK : await this.driver.setPowered(device, target.on);
      if (result.ok && target.on && target.powerW !== undefined && this.driver.setPowerTarget) {
        result = await this.driver.setPowerTarget(device, target.powerW);
      }
      // A newer target may have been set while this one was in flight; its own pass sends it, and the read-back
      // catches a device that heard the two out of order.
      if (entry !== this.entries.get(device.id)) return result.ok;
      if (result.ok) {
        entry.status = 'accepted';
        delete entry.powerOnly;
        delete entry.lastFailure;
      } else this.fail(entry, result.failure);
      return result.ok;
    });
    const accepted = results.filter(Boolean).length;
    return { devices: toSend, sent: toSend.length, accepted, failed: toSend.length - accepted };
  }

  /** Reads back every accepted device; one that does not show its target is sent again on the next pass. */
  async verify(): Promise<void> {
    const toRead = [...this.entries].filter(([, e]) => e.status === 'accepted').map(([id]) => this.byId.get(id)!);
    await mapWithConcurrency(toRead, this.options.concurrency, async (device) => {
      const entry = this.entries.get(device.id)!;
      const result = await this.driver.readPowered(device);
      if (entry !== this.entries.get(device.id) || entry.status !== 'accepted') return;
      if (!result.ok) this.fail(entry, result.failure);
      else if (result.value === entry.target.on) {
        entry.status = 'confirmed';
        entry.attempts = 0;
      } else this.fail(entry, { kind: 'not-followed', detail: `reads ${result.value ? 'on' : 'off'}` });
    });
  }

  /** Telemetry's view of a device: a confirmed device seen in the wrong state is switched again. */
  observe(deviceId: string, powered: boolean): void {
    const entry = this.entries.get(deviceId);
    if (!entry) return;
    if (powered === entry.target.on) {
      // A pending device still owes a send (a power target, say): only an accepted or drifted one is settled by this.
      if (entry.status === 'accepted' || entry.status === 'drifted')
        Object.assign(entry, { status: 'confirmed', attempts: 0 });
    } else if (entry.status === 'confirmed') {
      entry.status = 'pending';
    } else if (entry.status === 'drifted') {
      // It answers telemetry again, in the wrong state: it is back, so it gets a fresh set of attempts (a hashing
      // miner in a sleeping group would otherwise burn power until its target changed).
      Object.assign(entry, { status: 'pending', attempts: 0 });
    }
  }

  private fail(entry: Entry, failure: DeviceFailure): void {
    // A retry sends the whole target: the device may have missed more than its power target.
    delete entry.powerOnly;
    entry.attempts += 1;
    entry.lastFailure = failure;
    entry.status = entry.attempts >= this.options.maxAttempts ? 'drifted' : 'pending';
  }

  status(deviceId: string): DeviceStatus | undefined {
    const e = this.entries.get(deviceId);
    return e ? { ...e } : undefined;
  }

  /** Devices whose last attempt failed, by failure kind: what an operator looks at first. */
  failureKinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries.values()) {
      if (e.lastFailure && e.status !== 'confirmed' && e.status !== 'accepted') {
        out[e.lastFailure.kind] = (out[e.lastFailure.kind] ?? 0) + 1;
      }
    }
    return out;
  }

  counts(): Record<DeviceSwitchStatus, number> {
    const out: Record<DeviceSwitchStatus, number> = { confirmed: 0, accepted: 0, pending: 0, drifted: 0 };
    for (const e of this.entries.values()) out[e.status] += 1;
    return out;
  }
}

function sameTarget(a: DeviceTarget, b: DeviceTarget): boolean {
  return a.on === b.on && (a.powerW ?? null) === (b.powerW ?? null);
}
