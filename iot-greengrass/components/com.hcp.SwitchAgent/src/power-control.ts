import { asicUnitFullPowerW } from '../../../../core/economics/ladder.js';
import type { SiteMode } from '../../../../core/messages/command.js';
import type { PlanInterval } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { SwitchAgentConfig } from './config.js';
import { type ApplyReport, DeviceReconciler } from './device-reconciler.js';
import type { AgentMemory } from './persistence.js';
import { activeInterval } from './plan-schedule.js';
import { type DeviceTarget, devicesInOrder, TARGET_OFF, targetStates } from './target-state.js';
import { evaluateWatchdog } from './watchdog.js';

export interface ModeDecision {
  readonly mode: SiteMode;
  /** Why the watchdog falls back, whether or not an override decides the mode. */
  readonly fallbackReason?: 'heartbeat-missing' | 'no-active-plan';
  readonly active?: ReturnType<typeof activeInterval>;
}

/**
 * The mode the site runs now. Pure. An operator's override wins; else the plan, unless the watchdog falls back
 * (no cloud heard for the timeout, or no plan interval in force), when the configured default mode runs.
 */
export function decideMode(
  memory: Pick<AgentMemory, 'plan' | 'modeOverride' | 'lastHeartbeatMs'>,
  config: Pick<SwitchAgentConfig, 'siteId' | 'heartbeatTimeoutMs' | 'defaultMode'>,
  nowMs: number,
): ModeDecision {
  const active = memory.plan ? activeInterval(memory.plan, config.siteId, nowMs) : undefined;
  const watchdog = evaluateWatchdog({
    nowMs,
    lastHeartbeatMs: memory.lastHeartbeatMs,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    planActive: active !== undefined,
  });
  let mode: SiteMode = memory.modeOverride?.mode ?? (watchdog.fallback ? config.defaultMode : 'plan');
  if (mode === 'plan' && !active) mode = config.defaultMode;
  return {
    mode,
    ...(watchdog.fallback ? { fallbackReason: watchdog.reason } : {}),
    ...(active ? { active } : {}),
  };
}

export interface PowerControlOptions {
  readonly devices: readonly GatewayDevice[];
  readonly driver: DeviceDriver;
  readonly config: SwitchAgentConfig;
  readonly site?: Site;
  readonly log: (event: string, detail: Record<string, unknown>) => void;
  /** After a pass that switched devices, with the real milliseconds from its decision to the last reply. */
  readonly onApplied?: (cause: string, report: ApplyReport, latencyMs: number) => void;
  /** Devices held by the site power controller, on top of the curtailment book's. */
  readonly powerHolds?: () => ReadonlySet<string>;
  /** Devices standing armed for an ancillary award: a price hold leaves them on (curtailment-book.ts). */
  readonly kept?: () => ReadonlySet<string>;
  /** Running devices the site power controller has lowered, with their per-unit power target. */
  readonly powerTrims?: () => ReadonlyMap<string, number>;
}

/** The plan's targets before any hold, for the mode and plan interval they were worked out for. */
interface PreparedTargets {
  readonly mode: SiteMode;
  readonly interval: PlanInterval | undefined;
  readonly targets: ReadonlyMap<string, DeviceTarget>;
}

const NO_DEVICES: ReadonlySet<string> = new Set();

/**
 * Turns the memory into every device's target (mode, plan interval, holds: target-state.ts) and moves the devices
 * there through the reconciler, which believes only their replies.
 *
 * The rungs are prepared before a signal comes: the devices of each group in switching order once, the plan's targets
 * once per mode and plan interval (on the tick's pass), the devices' own preparation (LuxOS sessions, serialised
 * requests) on every tick. A signal then only lays its held devices over the prepared targets. A new plan, interval or
 * mode discards them.
 */
export class PowerControl {
  readonly devicesByGroup = new Map<string, string[]>();
  private readonly groups: ReadonlyMap<string, readonly GatewayDevice[]>;
  private readonly unitsPerGroup = new Map<string, number>();
  private readonly sleepPowerWByGroup = new Map<string, number>();
  private readonly alwaysOnGroups = new Set<string>();
  private readonly reconciler: DeviceReconciler;
  private prepared: PreparedTargets | undefined;
  private held: ReadonlySet<string> = NO_DEVICES;
  private lastMode: SiteMode = 'plan';
  private fallbackReason: string | undefined;

  constructor(private readonly options: PowerControlOptions) {
    const { devices, site, config } = options;
    const fullPowerWByGroup = new Map((site?.asicGroups ?? []).map((g) => [g.id, asicUnitFullPowerW(g)] as const));
    this.reconciler = new DeviceReconciler(devices, options.driver, { ...config, fullPowerWByGroup });
    this.groups = devicesInOrder(devices);
    for (const d of devices) {
      const ids = this.devicesByGroup.get(d.groupId);
      if (ids) ids.push(d.id);
      else this.devicesByGroup.set(d.groupId, [d.id]);
    }
    for (const g of site?.asicGroups ?? []) {
      this.unitsPerGroup.set(g.id, g.unitCount);
      this.sleepPowerWByGroup.set(g.id, g.sleepPowerW);
      if (g.alwaysOn) this.alwaysOnGroups.add(g.id);
    }
    for (const p of site?.gpuPools ?? []) this.unitsPerGroup.set(p.id, p.count);
  }

  get mode(): SiteMode {
    return this.lastMode;
  }

  /**
   * Decides every device's target now and starts the switches; the promise settles when every device has replied.
   * Callers hold their lock only for the decision, so one wedged miner's timeout never queues the next signal.
   */
  apply(memory: AgentMemory, nowMs: number, cause: string): Promise<ApplyReport> {
    const { mode, fallbackReason, active } = decideMode(memory, this.options.config, nowMs);
    if (mode !== this.lastMode || fallbackReason !== this.fallbackReason) {
      this.options.log('mode', { mode, fallback: fallbackReason });
    }
    this.lastMode = mode;
    this.fallbackReason = fallbackReason;
    const prepared = this.prepare(mode, active?.interval);
    const held = memory.book.heldDevices(this.devicesByGroup, this.kept());
    for (const id of this.options.powerHolds?.() ?? []) held.add(id);
    this.held = held;
    const startedMs = performance.now();
    return this.reconciler.apply(prepared.targets, held, this.options.powerTrims?.()).then((report) => {
      if (report.sent > 0) this.options.onApplied?.(cause, report, performance.now() - startedMs);
      return report;
    });
  }

  /** Devices whose last switch is not accepted yet (sent, or waiting for a retry). */
  inFlight(): Set<string> {
    return new Set(
      this.options.devices.filter((d) => this.reconciler.status(d.id)?.status === 'pending').map((d) => d.id),
    );
  }

  /** Devices the mode, the plan and the book want running, before the site power controller's holds. */
  plannedOn(memory: AgentMemory, nowMs: number): Set<string> {
    return this.planned(memory, nowMs).on;
  }

  /** The same, with the plan's targets before any hold (each running ASIC's power target). */
  planned(memory: AgentMemory, nowMs: number): { on: Set<string>; targets: ReadonlyMap<string, DeviceTarget> } {
    const { mode, active } = decideMode(memory, this.options.config, nowMs);
    const held = memory.book.heldDevices(this.devicesByGroup, this.kept());
    const on = new Set<string>();
    const { targets } = this.prepare(mode, active?.interval);
    for (const [id, target] of targets) {
      if (target.on && !held.has(id)) on.add(id);
    }
    return { on, targets };
  }

  /** Devices standing armed for an award: kept on through a price hold. */
  kept(): ReadonlySet<string> {
    return this.options.kept?.() ?? NO_DEVICES;
  }

  /** The plan's targets for this mode and interval: kept while they hold, worked out afresh when either changed. */
  private prepare(mode: SiteMode, interval: PlanInterval | undefined): PreparedTargets {
    if (this.prepared?.mode === mode && this.prepared.interval === interval) return this.prepared;
    const targets = targetStates({
      devices: this.options.devices,
      groups: this.groups,
      mode,
      interval,
      unitsPerGroup: this.unitsPerGroup,
      sleepPowerWByGroup: this.sleepPowerWByGroup,
      alwaysOnGroups: this.alwaysOnGroups,
      held: NO_DEVICES,
    });
    this.prepared = { mode, interval, targets };
    return this.prepared;
  }

  /**
   * Sends again what failed or read back wrong, reads back what was accepted, and readies the devices for the next
   * switch (on the tick, never on a signal).
   */
  async retryAndVerify(): Promise<void> {
    await this.reconciler.retryPending();
    await this.reconciler.verify();
    await this.reconciler.prepare();
  }

  /** Telemetry's reading of a device feeds the confirmation of its state. */
  observe(deviceId: string, powered: boolean): void {
    this.reconciler.observe(deviceId, powered);
  }

  /** The devices' side of the agent's view. */
  view() {
    return {
      mode: this.lastMode,
      ...(this.fallbackReason ? { fallbackReason: this.fallbackReason } : {}),
      targets: Object.fromEntries(
        [...(this.prepared?.targets ?? [])].map(([id, t]) => [id, (this.held.has(id) ? TARGET_OFF : t).on]),
      ),
      devices: this.reconciler.counts(),
      drifted: this.options.devices.filter((d) => this.reconciler.status(d.id)?.status === 'drifted').map((d) => d.id),
      failures: this.reconciler.failureKinds(),
    };
  }
}
