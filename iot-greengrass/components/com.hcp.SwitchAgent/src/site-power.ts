import { withArmedOrder } from '../../../../core/ancillary/arming.js';
import { asicUnitFullPowerW } from '../../../../core/economics/ladder.js';
import type { GridSignal } from '../../../../core/messages/grid-signal.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import { drCeilingKw, type Site } from '../../../../core/model/site.js';
import { type MeasurementSource, siteMeasurement, type TimedKw } from '../../../../core/power/site-measurement.js';
import {
  type ActiveLimit,
  activeLimit,
  type ControlledDevice,
  type ControllerPolicy,
  type ControllerState,
  controlStep,
  initialControllerState,
  type PowerLimits,
} from '../../../../core/power/site-power-controller.js';
import { mapWithConcurrency } from '../../../adapters/asic/fan-out.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { MeterValues } from '../../../adapters/meter/sunspec.js';
import type { SiteMeterPort } from '../../../adapters/meter/sunspec-meter.js';
import type { SitePowerConfig } from './site-power-config.js';
import type { SitePowerState } from './state-store.js';
import type { DeviceTarget } from './target-state.js';

type Log = (event: string, detail: Record<string, unknown>) => void;

export type MeterFailureKind = 'down' | 'stale' | 'garbage';

/** The controller's side of the agent's view: the dashboard draws the meter against the limit from it. */
export interface SitePowerView {
  readonly measuredKw: number | undefined;
  readonly source: MeasurementSource | undefined;
  readonly limitKw: number;
  readonly limitSource: ActiveLimit['source'];
  readonly targetKw: number;
  readonly heldDevices: number;
  readonly heldKw: number;
  /** Running devices on a lowered power target. */
  readonly trimmedDevices: number;
  readonly sheds: number;
  readonly restores: number;
  readonly trims: number;
  readonly raises: number;
  readonly minTimeOverrides: number;
  readonly meterReads: number;
  readonly meterFailures: Record<MeterFailureKind, number>;
  readonly meterAlarm: boolean;
}

/** One controller action, as the agent publishes it on the site's events topic. */
export interface PowerAction {
  /** Put to sleep, woken, put on the lowest power target, raised back to the plan's. */
  readonly action: 'shed' | 'restore' | 'trim' | 'raise';
  readonly devices: readonly string[];
  readonly kw: number;
  readonly measuredKw: number;
  readonly source: MeasurementSource;
  readonly limitKw: number;
  readonly limitSource: ActiveLimit['source'];
  readonly overrides: number;
}

export interface DeviceFigures {
  readonly controlled: ControlledDevice;
  /** Facility kW running flat out and asleep (GPUs: serving and idle), for the device and safe-level estimates. */
  readonly fullKw: number;
  readonly sleepKw: number;
  /** Site-model units behind the device (a virtual fleet's device can stand for many). */
  readonly units: number;
  readonly groupId: string;
  /** Per unit: the lowest power target the firmware offers; absent where it has none (stock cgminer, GPUs). */
  readonly lowestTargetW?: number;
  /** Per unit at full power (the group's highest target). */
  readonly fullW: number;
  /** A group the site cannot switch (stock cgminer): measured, never shed. */
  readonly controllable: boolean;
}

/**
 * The SwitchAgent's power-control part: reads the revenue meter every period, judges it (down, stale, garbage:
 * counted, alarmed), falls back to the devices' readings, the plan's estimate, then a safe level, and runs the pure
 * controller (core/power/site-power-controller.ts). Its holds join the other holds in the agent's targets, so its
 * sheds and restores go through the same reconciler, acks and switch records as every other reaction.
 */
export class SitePower {
  private state: ControllerState;
  private readonly figures = new Map<string, DeviceFigures>();
  private meter: TimedKw | undefined;
  private lastMeterValues: string | undefined;
  private devicesReading: (TimedKw & { coverage: number }) | undefined;
  private measured: { kw: number; source: MeasurementSource } | undefined;
  private lastLimit: ActiveLimit;
  private targetKw: number;
  private readonly counts = { reads: 0, shed: 0, restore: 0, trim: 0, raise: 0 };
  private readonly meterFailures: Record<MeterFailureKind, number> = { down: 0, stale: 0, garbage: 0 };
  private alarm = false;
  private readonly policy: ControllerPolicy;
  private order:
    | {
        readonly ladder: readonly LadderRung[];
        readonly targets: ReadonlyMap<string, DeviceTarget> | undefined;
        readonly devices: ControlledDevice[];
      }
    | undefined;

  constructor(
    private readonly options: {
      readonly config: SitePowerConfig;
      readonly site: Site;
      readonly devices: readonly GatewayDevice[];
      readonly meter: SiteMeterPort;
      readonly driver: DeviceDriver;
      readonly concurrency: number;
      readonly log: Log;
      /** The agent's memory of the controller (saved with the rest of the agent's): changed in place. */
      readonly memory: SitePowerState;
    },
  ) {
    const { config, site, devices } = options;
    this.policy = {
      marginFraction: config.marginFraction,
      hysteresisFraction: config.hysteresisFraction,
      responseSeconds: config.responseSeconds,
      restoreStepKw: config.restoreStepKw ?? Number.POSITIVE_INFINITY,
      restoreIntervalMs: config.restoreIntervalMs,
      minTrimMs: config.minTrimMs,
      confirmOverTargetMs: config.confirmOverTargetMs,
    };
    const saved = options.memory;
    this.state = {
      ...initialControllerState,
      held: new Map(Object.entries(saved.held)),
      trimmed: new Map(Object.entries(saved.trimmed)),
    };
    const perGroup = new Map<string, number>();
    for (const d of devices) perGroup.set(d.groupId, (perGroup.get(d.groupId) ?? 0) + 1);
    for (const d of devices) {
      const figures = deviceFigures(site, d, perGroup.get(d.groupId) ?? 1);
      if (figures) this.figures.set(d.id, figures);
    }
    this.lastLimit = { limitKw: site.interconnectLimitMw * 1000, source: 'interconnect' };
    this.targetKw = this.lastLimit.limitKw * (1 - this.policy.marginFraction);
  }

  /** Devices the controller holds asleep: the agent adds them to its other holds. */
  held(): ReadonlySet<string> {
    return new Set(this.state.held.keys());
  }

  /** Running devices the controller has lowered, with the per-unit power target they run at. */
  trimmed(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const id of this.state.trimmed.keys()) {
      const lowestW = this.figures.get(id)?.lowestTargetW;
      if (lowestW !== undefined) out.set(id, lowestW);
    }
    return out;
  }

  /**
   * The I/O half of a step: one meter read, judged; when the meter cannot be believed, one read of every device.
   * `plannedOn` fills devices that did not answer at their nameplate.
   */
  async measure(nowMs: number, plannedOn: ReadonlySet<string>): Promise<void> {
    this.counts.reads += 1;
    const result = await this.options.meter.read();
    const failure = result.ok ? this.judge(result.value, nowMs) : (result.failure.kind as MeterFailureKind);
    if (failure) {
      this.meterFailures[failure] = (this.meterFailures[failure] ?? 0) + 1;
      if (this.meterFailures[failure] === 1 || !this.alarm)
        this.options.log('meter-failure', { kind: failure, ...(result.ok ? {} : { detail: result.failure.detail }) });
    }
    if (nowMs - (this.meter?.atMs ?? Number.NEGATIVE_INFINITY) > this.options.config.meterMaxAgeMs) {
      this.devicesReading = await this.readDevices(nowMs, plannedOn);
    }
  }

  /**
   * The decision half, pure but for the controller state it keeps: true when its holds changed, so the agent must
   * re-target the devices.
   */
  decide(input: {
    readonly nowMs: number;
    readonly plannedOn: ReadonlySet<string>;
    /** The plan's targets before any hold: a running ASIC's present power target, which a trim lowers from. */
    readonly targets?: ReadonlyMap<string, DeviceTarget>;
    readonly ladder: readonly LadderRung[];
    /** The plan interval's `sitePowerKw`, if one is in force. */
    readonly planKw?: number;
    /** Devices whose last switch is not accepted yet. */
    readonly inFlight?: ReadonlySet<string>;
    /** Awards armed (core/ancillary/arming.ts): a deployed award's devices go first, standing ones last. */
    readonly armed?: { readonly deployed: readonly string[]; readonly standing: ReadonlySet<string> };
    /**
     * A deployed award's own response time (ECRS 10 min, Non-Spin 30): while the demand-response limit binds, a shed
     * is sized to be done within it, not within `responseSeconds`, so the site sheds the award, not 2–3× it to beat a
     * ramp it has minutes for.
     */
    readonly demandResponseSeconds?: number;
  }): PowerAction[] {
    const { config, site } = this.options;
    const measured = siteMeasurement({
      nowMs: input.nowMs,
      ...(this.meter ? { meter: this.meter } : {}),
      meterMaxAgeMs: config.meterMaxAgeMs,
      ...(this.devicesReading ? { devices: this.devicesReading } : {}),
      deviceMaxAgeMs: config.deviceMaxAgeMs,
      minDeviceCoverage: config.minDeviceCoverage,
      // The plan counted on every device it runs: what the controller holds comes off its estimate.
      ...(input.planKw !== undefined ? { planKw: Math.max(0, input.planKw - this.heldKw()) } : {}),
      safeKw: this.nameplateKw(input.plannedOn),
    });
    this.raiseOrClearAlarm(measured.source);
    this.measured = measured;
    const { demandResponse, operatorLimit } = this.options.memory;
    if (operatorLimit && operatorLimit.untilMs <= input.nowMs) {
      this.options.memory.operatorLimit = undefined;
      this.options.log('power-limit', { source: 'override', action: 'expired', limitKw: operatorLimit.limitKw });
    }
    const overrideKw = this.operatorLimitKw(input.nowMs);
    const limits: PowerLimits = {
      interconnectKw: site.interconnectLimitMw * 1000,
      ...(demandResponse ? { demandResponseKw: demandResponse.limitKw } : {}),
      ...(overrideKw !== undefined ? { overrideKw } : {}),
      ...(input.planKw !== undefined && config.planHeadroomFraction !== undefined
        ? { planKw: input.planKw * (1 + config.planHeadroomFraction) }
        : {}),
    };
    const decision = controlStep(
      {
        nowMs: input.nowMs,
        measuredKw: measured.kw,
        limits,
        devices: input.armed
          ? withArmedOrder(this.shedOrder(input.ladder, input.targets), input.armed.deployed, input.armed.standing)
          : this.shedOrder(input.ladder, input.targets),
        plannedOn: input.plannedOn,
        gpuMayYield: config.gpuMayYield,
        estimated: measured.source === 'plan' || measured.source === 'safe',
        ...(input.inFlight ? { inFlight: input.inFlight } : {}),
      },
      this.state,
      input.demandResponseSeconds !== undefined && activeLimit(limits).source === 'demand-response'
        ? { ...this.policy, responseSeconds: input.demandResponseSeconds }
        : this.policy,
    );
    this.state = decision.state;
    this.options.memory.held = Object.fromEntries(decision.state.held);
    this.options.memory.trimmed = Object.fromEntries(decision.state.trimmed);
    this.lastLimit = decision.limit;
    this.targetKw = decision.targetKw;
    const actions: PowerAction[] = [];
    const devices = new Map(this.shedOrder(input.ladder, input.targets).map((d) => [d.id, d]));
    const act = (action: PowerAction['action'], ids: readonly string[]) => {
      if (ids.length === 0) return;
      const trims = action === 'trim' || action === 'raise';
      const kwOf = (d: ControlledDevice | undefined) => (trims ? (d?.trimKw ?? 0) : (d?.stepKw ?? 0));
      const kw = ids.reduce((sum, id) => sum + kwOf(devices.get(id)), 0);
      const overrides = action === 'shed' ? decision.overrides : 0;
      actions.push({
        action,
        devices: ids,
        kw,
        measuredKw: measured.kw,
        source: measured.source,
        limitKw: decision.limit.limitKw,
        limitSource: decision.limit.source,
        overrides,
      });
      this.counts[action] += ids.length;
      this.options.log(`power-${action}`, { devices: ids.length, kw, measuredKw: measured.kw, ...decision.limit });
    };
    act('trim', decision.trim);
    act('shed', decision.shed);
    act('raise', decision.raise);
    act('restore', decision.restore);
    return actions;
  }

  /** The operator's cap in force: the one a command set until its expiry, else the configured one. */
  private operatorLimitKw(nowMs: number): number | undefined {
    const commanded = this.options.memory.operatorLimit;
    if (commanded && commanded.untilMs > nowMs) return commanded.limitKw;
    return this.options.config.operatorLimitKw;
  }

  /** An operator's cap on the site's power until `untilMs` (a `set-power-limit` command); none lifts it. */
  operatorLimit(limit: { readonly limitKw: number; readonly untilMs: number; readonly commandId: string } | undefined) {
    this.options.memory.operatorLimit = limit;
    this.options.log('power-limit', { source: 'override', action: limit ? 'set' : 'lifted', ...limit });
  }

  /**
   * A demand-response, ECRS or Non-Spin deployment becomes a limit: the site's power when it arrives less the
   * amount deployed (the committed amount when the signal names none); a recall lifts it.
   */
  demandResponse(signal: Extract<GridSignal, { kind: 'demand-response' }>, committedMw: number): void {
    if (signal.action === 'recall') {
      this.options.memory.demandResponse = undefined;
      this.options.log('power-limit', { source: 'demand-response', action: 'recall', eventId: signal.eventId });
      return;
    }
    const baselineKw = this.measured?.kw ?? this.options.site.interconnectLimitMw * 1000;
    const limitKw = drCeilingKw(baselineKw, { committedMw: signal.deployMw ?? committedMw });
    this.options.memory.demandResponse = { limitKw, eventId: signal.eventId };
    this.options.log('power-limit', { source: 'demand-response', action: 'deploy', eventId: signal.eventId, limitKw });
  }

  view(): SitePowerView {
    const heldKw = this.heldKw();
    return {
      measuredKw: this.measured?.kw,
      source: this.measured?.source,
      limitKw: this.lastLimit.limitKw,
      limitSource: this.lastLimit.source,
      targetKw: this.targetKw,
      heldDevices: this.state.held.size,
      heldKw,
      trimmedDevices: this.state.trimmed.size,
      sheds: this.counts.shed,
      restores: this.counts.restore,
      trims: this.counts.trim,
      raises: this.counts.raise,
      minTimeOverrides: this.state.minTimeOverrides,
      meterReads: this.counts.reads,
      meterFailures: { ...this.meterFailures },
      meterAlarm: this.alarm,
    };
  }

  private heldKw(): number {
    let kw = 0;
    for (const id of this.state.held.keys()) kw += this.figures.get(id)?.controlled.stepKw ?? 0;
    return kw;
  }

  /** A good reading refreshes the meter's time; a frozen or implausible one is a failure and does not. */
  private judge(values: MeterValues, nowMs: number): MeterFailureKind | undefined {
    const kw = values.powerW / 1000;
    const plausibleKw = this.options.site.interconnectLimitMw * 1000 * this.options.config.meterPlausibleLimitFactor;
    if (!Number.isFinite(kw) || kw < 0 || kw > plausibleKw) return 'garbage';
    // A live meter's import accumulator moves every second: the same power and energy twice is a frozen meter.
    const key = `${values.powerW}/${values.importedWh}`;
    const frozen = key === this.lastMeterValues;
    this.lastMeterValues = key;
    if (frozen) return 'stale';
    this.meter = { kw, atMs: nowMs };
    return undefined;
  }

  private raiseOrClearAlarm(source: MeasurementSource): void {
    const alarm = source !== 'meter';
    if (alarm !== this.alarm) this.options.log(alarm ? 'meter-alarm' : 'meter-recovered', { source });
    this.alarm = alarm;
  }

  /** Σ device readings × units × PUE; a device that did not answer counts at its nameplate. */
  private async readDevices(nowMs: number, plannedOn: ReadonlySet<string>): Promise<TimedKw & { coverage: number }> {
    const { devices, driver, concurrency, site } = this.options;
    const readings = await mapWithConcurrency(devices, concurrency, (d) => driver.read(d));
    let kw = 0;
    let answered = 0;
    devices.forEach((d, i) => {
      const f = this.figures.get(d.id);
      const reading = readings[i];
      if (reading?.ok) {
        answered += 1;
        kw += (reading.value.powerW * (f?.units ?? 1) * site.pue) / 1000;
      } else if (f) kw += plannedOn.has(d.id) && !this.state.held.has(d.id) ? f.fullKw : f.sleepKw;
    });
    return { kw, atMs: nowMs, coverage: devices.length > 0 ? answered / devices.length : 0 };
  }

  /** Worst case of what runs: nameplate of every device running, sleep draw of the rest. */
  private nameplateKw(plannedOn: ReadonlySet<string>): number {
    let kw = 0;
    for (const [id, f] of this.figures) kw += plannedOn.has(id) && !this.state.held.has(id) ? f.fullKw : f.sleepKw;
    return kw;
  }

  /**
   * The ladder's ASIC groups in rung order (least efficient first), then ASIC groups it does not name, then GPUs;
   * groups the site cannot switch are left out. Inside a group the highest ids go first: the plan keeps a group's
   * first devices by id running. A running ASIC's trim is what its lowest target frees below the plan's target for
   * it (its full power when the plan sets none).
   */
  private shedOrder(
    ladder: readonly LadderRung[],
    targets: ReadonlyMap<string, DeviceTarget> | undefined,
  ): ControlledDevice[] {
    if (this.order?.ladder === ladder && this.order.targets === targets) return this.order.devices;
    const sorted = inMeritOrder(
      [...this.figures.values()].filter((f) => f.controllable),
      ladder,
    );
    const devices = sorted.map((f) => {
      if (f.lowestTargetW === undefined) return f.controlled;
      const runningW = Math.min(f.fullW, targets?.get(f.controlled.id)?.powerW ?? f.fullW);
      const trimKw = (Math.max(0, runningW - f.lowestTargetW) * f.units * this.options.site.pue) / 1000;
      return trimKw > 0 ? { ...f.controlled, trimKw, trimSeconds: TRIM_SECONDS } : f.controlled;
    });
    this.order = { ladder, targets, devices };
    return devices;
  }
}

/**
 * The order devices go in: the ladder's ASIC groups in rung order (least efficient first), then ASIC groups it does not
 * name, then GPUs. Inside a group the highest ids go first: the plan keeps a group's first devices by id running.
 */
export function inMeritOrder<F extends Pick<DeviceFigures, 'groupId' | 'controlled'>>(
  figures: readonly F[],
  ladder: readonly LadderRung[],
): F[] {
  const rank = new Map(ladder.map((r, i) => [r.groupId, i]));
  return [...figures].sort((a, b) => {
    const kind = Number(a.controlled.kind === 'gpu') - Number(b.controlled.kind === 'gpu');
    if (kind !== 0) return kind;
    const byRank = (rank.get(a.groupId) ?? ladder.length) - (rank.get(b.groupId) ?? ladder.length);
    if (byRank !== 0) return byRank;
    if (a.groupId !== b.groupId) return a.groupId < b.groupId ? -1 : 1;
    return a.controlled.id < b.controlled.id ? 1 : -1;
  });
}

/**
 * A lower power target takes effect within about a second: LuxOS and Braiins OS+ drop the hashboards' clocks in one
 * step (raising re-tunes upward at the wake rate); the virtual miner models the drop as immediate.
 */
const TRIM_SECONDS = 1;

/** A device's power figures from the site model; undefined for a device whose group the model does not know. */
export function deviceFigures(site: Site, device: GatewayDevice, devicesInGroup: number): DeviceFigures | undefined {
  const minutes = (m: number) => m * 60_000;
  const group = site.asicGroups.find((g) => g.id === device.groupId);
  if (group) {
    const figures = figuresOf(
      site,
      device,
      'asic',
      group.unitCount / devicesInGroup,
      asicUnitFullPowerW(group),
      group.sleepPowerW,
      {
        sleepSeconds: group.sleepSeconds,
        wakeSeconds: group.wakeSeconds,
        minOnMs: minutes(group.minOnMinutes),
        minOffMs: minutes(group.minOffMinutes),
      },
    );
    // Stock cgminer can neither sleep nor retarget a miner (the group is `alwaysOn`); the lowest point of the power
    // curve is the firmware's lowest target (LuxOS profiles, Braiins OS+ power targets: core/fleet/hardware-catalog.ts).
    const lowestW = group.powerCurve[0]?.powerW;
    if (group.alwaysOn) return { ...figures, controllable: false };
    return lowestW !== undefined && lowestW < figures.fullW ? { ...figures, lowestTargetW: lowestW } : figures;
  }
  const pool = site.gpuPools.find((p) => p.id === device.groupId);
  if (!pool) return undefined;
  // A power limit takes effect within a second (nvidia-smi -pl); a model stays loaded.
  return figuresOf(site, device, 'gpu', pool.count / devicesInGroup, pool.servingPowerW, pool.idlePowerW, {
    sleepSeconds: 1,
    wakeSeconds: 1,
    minOnMs: 0,
    minOffMs: minutes(1),
  });
}

/** One device standing for `units` units drawing `fullW`/`sleepW` each, at the site's PUE. */
function figuresOf(
  site: Site,
  device: GatewayDevice,
  kind: 'asic' | 'gpu',
  units: number,
  fullW: number,
  sleepW: number,
  timing: { sleepSeconds: number; wakeSeconds: number; minOnMs: number; minOffMs: number },
): DeviceFigures {
  const fullKw = (fullW * units * site.pue) / 1000;
  const sleepKw = (sleepW * units * site.pue) / 1000;
  return {
    fullKw,
    sleepKw,
    units,
    fullW,
    controllable: true,
    groupId: device.groupId,
    controlled: { id: device.id, kind, stepKw: fullKw - sleepKw, ...timing },
  };
}
