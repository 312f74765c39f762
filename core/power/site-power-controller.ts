/**
 * The site power controller: keeps the site's measured power under its active limit in real time, between the plan's
 * 5-minute dispatches. Pure: time, the measurement and the devices come in as arguments; the SwitchAgent does the I/O.
 *
 * Each step it projects the site's power a few seconds ahead (the measurement, less what devices already put to sleep
 * have still to shed, plus what woken devices have still to draw: miners ramp, they do not step) and
 * - sheds when the projection is above the target (the limit less a margin): above the limit at once, between target
 *   and limit once it has stayed there `confirmOverTargetMs` (meter noise is not a surge). First it lowers the power target of
 *   running ASICs whose firmware has one (LuxOS `profileset`, Braiins OS+ power target; `trimKw`), in merit order,
 *   least efficient first: the device keeps hashing, at a better J/TH, and the power falls within a second or two.
 *   What lower targets cannot free within `responseSeconds` it sheds by sleeping running ASICs in the same order,
 *   sized so the ramp-down crosses the target within `responseSeconds`. A device inside its minimum on time is not
 *   put to sleep unless the limit itself would otherwise be exceeded; each such shed is counted. GPUs are shed only
 *   when `gpuMayYield` (the plan says flex work yields), after every ASIC;
 * - restores when the projection is below the target by the hysteresis band: in the reverse order (most efficient
 *   first), a device it holds asleep once past its minimum off time, a device it lowered once past `minTrimMs`, at
 *   most `restoreStepKw` every `restoreIntervalMs`, and only what fits under the band, so a restore never pushes the
 *   site back over.
 */

export type LimitSource = 'interconnect' | 'demand-response' | 'override' | 'plan';

/** Every cap on the site's facility power now, in kW; absent ones do not bind. */
export interface PowerLimits {
  readonly interconnectKw: number;
  /** A deployed demand-response, ECRS or Non-Spin obligation: baseline − committed. */
  readonly demandResponseKw?: number;
  readonly overrideKw?: number;
  /** The plan's site power for the interval, with its headroom. */
  readonly planKw?: number;
}

export interface ActiveLimit {
  readonly limitKw: number;
  readonly source: LimitSource;
}

/** limit = min(interconnect, demand response, operator override, plan). */
export function activeLimit(limits: PowerLimits): ActiveLimit {
  let best: ActiveLimit = { limitKw: limits.interconnectKw, source: 'interconnect' };
  const others: Array<[LimitSource, number | undefined]> = [
    ['demand-response', limits.demandResponseKw],
    ['override', limits.overrideKw],
    ['plan', limits.planKw],
  ];
  for (const [source, kw] of others) if (kw !== undefined && kw < best.limitKw) best = { limitKw: kw, source };
  return best;
}

/** One device the controller may switch, with its facility power step and its timings. */
export interface ControlledDevice {
  readonly id: string;
  readonly kind: 'asic' | 'gpu';
  /** Facility kW between running and asleep (units behind the device × (full − sleep) × PUE). */
  readonly stepKw: number;
  /** Ramp from full power to sleep, and back (firmware behaviour, see sim/devices/asic/physics.ts). */
  readonly sleepSeconds: number;
  readonly wakeSeconds: number;
  readonly minOnMs: number;
  readonly minOffMs: number;
  /**
   * Facility kW a lower firmware power target frees while the device keeps running (from its present target to the
   * lowest its firmware offers); absent where the firmware has none (stock cgminer, GPUs) or nothing is left to free.
   */
  readonly trimKw?: number;
  /** How long the power takes to fall to the lower target (clocks drop in one step: about a second). */
  readonly trimSeconds?: number;
}

export interface ControllerPolicy {
  /** The target sits this far under the limit (meter noise, a second of load growth). */
  readonly marginFraction: number;
  /** A restore must leave the projection this far under the target (a device comes back only if it fits). */
  readonly hysteresisFraction: number;
  /** A shed must bring the projection under the target within this long. */
  readonly responseSeconds: number;
  readonly restoreStepKw: number;
  readonly restoreIntervalMs: number;
  /** A lowered target stays at least this long before it is raised again (no device changes twice a minute). */
  readonly minTrimMs: number;
  /**
   * Between the target and the limit the site is still inside its limit: act only once the projection has stayed
   * over the target this long, so meter noise around a site planned at its target does not lower and raise a device
   * over and over. Above the limit itself the controller acts at once.
   */
  readonly confirmOverTargetMs: number;
}

export const controllerPolicyDefaults: ControllerPolicy = {
  marginFraction: 0.02,
  // Small: a plan may run the site just under its target, and held devices must still find their way back.
  hysteresisFraction: 0.005,
  responseSeconds: 2,
  restoreStepKw: Number.POSITIVE_INFINITY,
  restoreIntervalMs: 10_000,
  minTrimMs: 60_000,
  // Two meter reads: a 0.2% noise excursion past a 2% margin rarely lasts two seconds; a real surge does.
  confirmOverTargetMs: 2_000,
};

/** A switch the controller made: when, and which way. */
export interface ControllerSwitch {
  readonly on: boolean;
  readonly atMs: number;
  /** Facility kW the switch moves, when not the device's whole step (a lowered device put to sleep). */
  readonly kw?: number;
}

export interface ControllerState {
  /** Devices the controller holds asleep, by when it put them there. */
  readonly held: ReadonlyMap<string, number>;
  /** Running devices the controller has put on their lowest power target, by when. */
  readonly trimmed: ReadonlyMap<string, number>;
  /** Each device's last change of power target by the controller (`on`: raised back), for its ramp. */
  readonly lastTrim: ReadonlyMap<string, ControllerSwitch>;
  /** Each device's last change of running state (the plan's or the controller's), for the minimum on/off times. */
  readonly lastChange: ReadonlyMap<string, ControllerSwitch>;
  readonly lastRestoreAtMs: number;
  /** Since when the projection has been over the target without reaching the limit (undefined: it is not). */
  readonly overTargetSinceMs?: number;
  /** Sheds that cut a minimum on time short because the limit would otherwise have been exceeded. */
  readonly minTimeOverrides: number;
}

export const initialControllerState: ControllerState = {
  held: new Map(),
  trimmed: new Map(),
  lastTrim: new Map(),
  lastChange: new Map(),
  lastRestoreAtMs: Number.NEGATIVE_INFINITY,
  minTimeOverrides: 0,
};

export interface ControllerInput {
  readonly nowMs: number;
  /** Site facility power now (meter, or its fallback: site-measurement.ts). */
  readonly measuredKw: number;
  readonly limits: PowerLimits;
  /** In shed order: the merit-order ladder's ASICs first (least efficient first), then GPUs. */
  readonly devices: readonly ControlledDevice[];
  /** Devices the plan, the mode and the other holds want running; the controller only ever takes from these. */
  readonly plannedOn: ReadonlySet<string>;
  /** The plan lets flex GPU work yield: GPUs may be shed after every ASIC. */
  readonly gpuMayYield: boolean;
  /**
   * Devices whose last switch the device has not accepted yet: their ramp has not started, so all of it is still to
   * come. Without this a slow fan-out reads as a shed that did nothing, and the controller sheds again and again.
   */
  readonly inFlight?: ReadonlySet<string>;
  /**
   * The measurement is a steady-state estimate (the plan's, the safe level) that already counts the controller's
   * holds, not a reading: no ramp is still to come in it.
   */
  readonly estimated?: boolean;
}

export interface ControllerDecision {
  readonly state: ControllerState;
  /** Devices put to sleep, and woken. */
  readonly shed: readonly string[];
  readonly restore: readonly string[];
  /** Running devices put on their lowest power target, and raised back to the plan's. */
  readonly trim: readonly string[];
  readonly raise: readonly string[];
  readonly limit: ActiveLimit;
  readonly targetKw: number;
  readonly projectedKw: number;
  /** Sheds of this step that overrode a minimum on time. */
  readonly overrides: number;
}

/** How long a switch may wait for the device's acceptance and still be counted as not started. */
export const IN_FLIGHT_WINDOW_MS = 60_000;

/**
 * Power still to come off (negative) or on (positive) from recent switches and power-target changes. Raising a target
 * re-tunes upward at the wake rate, so it takes the share of the wake ramp the trim stands for.
 */
function pendingRampKw(
  devices: readonly ControlledDevice[],
  state: Pick<ControllerState, 'lastChange' | 'lastTrim'>,
  nowMs: number,
  inFlight: ReadonlySet<string> | undefined,
): number {
  let kw = 0;
  for (const d of devices) {
    const change = state.lastChange.get(d.id);
    if (change) kw += rampKw(change, change.kw ?? d.stepKw, change.on ? d.wakeSeconds : d.sleepSeconds);
    const trim = state.lastTrim.get(d.id);
    const trimKw = d.trimKw ?? 0;
    if (trim && trimKw > 0) {
      const raiseSeconds = d.stepKw > 0 ? (d.wakeSeconds * trimKw) / d.stepKw : 0;
      kw += rampKw(trim, trimKw, trim.on ? raiseSeconds : (d.trimSeconds ?? 0));
    }
    function rampKw(switched: ControllerSwitch, stepKw: number, seconds: number): number {
      // Only a recent change waits on its acceptance; a device pending for another reason (a new power target from
      // the plan) or for longer (retries: the reconciler's business) ramps from when it changed.
      const waiting = inFlight?.has(d.id) && nowMs - switched.atMs <= IN_FLIGHT_WINDOW_MS;
      const started = waiting ? nowMs : switched.atMs;
      const rampMs = seconds * 1000;
      const remaining = rampMs > 0 ? Math.max(0, 1 - (nowMs - started) / rampMs) : 0;
      return (switched.on ? 1 : -1) * stepKw * remaining;
    }
  }
  return kw;
}

/** One control step. Pure. */
export function controlStep(
  input: ControllerInput,
  state: ControllerState,
  policy: ControllerPolicy,
): ControllerDecision {
  const { nowMs, devices, plannedOn } = input;
  const limit = activeLimit(input.limits);
  const targetKw = limit.limitKw * (1 - policy.marginFraction);
  const held = new Map(state.held);
  const trimmed = new Map(state.trimmed);
  const lastChange = new Map(state.lastChange);
  const lastTrim = new Map(state.lastTrim);
  // The plan changed its mind: a device it no longer wants running is not the controller's to hold or lower.
  for (const id of held.keys()) if (!plannedOn.has(id)) held.delete(id);
  for (const id of trimmed.keys()) if (!plannedOn.has(id)) trimmed.delete(id);
  for (const d of devices) {
    const running = plannedOn.has(d.id) && !held.has(d.id);
    const known = lastChange.get(d.id);
    if (known && known.on !== running) lastChange.set(d.id, { on: running, atMs: nowMs });
    if (!known) lastChange.set(d.id, { on: running, atMs: Number.NEGATIVE_INFINITY });
  }
  const projectedKw =
    input.measuredKw + (input.estimated ? 0 : pendingRampKw(devices, { lastChange, lastTrim }, nowMs, input.inFlight));
  const shed: string[] = [];
  const restore: string[] = [];
  const trim: string[] = [];
  const raise: string[] = [];
  let overrides = 0;
  let lastRestoreAtMs = state.lastRestoreAtMs;
  const overTarget = projectedKw > targetKw;
  const overTargetSinceMs = overTarget ? (state.overTargetSinceMs ?? nowMs) : undefined;
  const confirmed =
    projectedKw > limit.limitKw ||
    (overTargetSinceMs !== undefined && nowMs - overTargetSinceMs >= policy.confirmOverTargetMs);
  // What a change frees within the response time: the whole step of a ramp shorter than it, else the share ramped.
  const withinKw = (kw: number, seconds: number) =>
    kw * (seconds > 0 ? Math.min(1, policy.responseSeconds / seconds) : 1);
  const trimKw = (d: ControlledDevice) => d.trimKw ?? 0;

  if (overTarget && confirmed) {
    const candidates = devices.filter(
      (d) => plannedOn.has(d.id) && !held.has(d.id) && d.stepKw > 0 && (d.kind === 'asic' || input.gpuMayYield),
    );
    let excessKw = projectedKw - targetKw;
    for (const d of candidates) {
      if (excessKw <= 0) break;
      if (trimKw(d) <= 0 || trimmed.has(d.id)) continue;
      trim.push(d.id);
      trimmed.set(d.id, nowMs);
      lastTrim.set(d.id, { on: false, atMs: nowMs });
      excessKw -= withinKw(trimKw(d), d.trimSeconds ?? 0);
    }
    const take = (d: ControlledDevice) => {
      // A lowered device going to sleep has only what is left above its sleep draw to shed.
      const stepKw = trimmed.has(d.id) ? d.stepKw - trimKw(d) : d.stepKw;
      shed.push(d.id);
      held.set(d.id, nowMs);
      trimmed.delete(d.id);
      lastChange.set(d.id, { on: false, atMs: nowMs, ...(stepKw !== d.stepKw ? { kw: stepKw } : {}) });
      excessKw -= withinKw(stepKw, d.sleepSeconds);
    };
    const minOnPassed = (d: ControlledDevice) => nowMs - (lastChange.get(d.id)?.atMs ?? 0) >= d.minOnMs;
    for (const d of candidates) {
      if (excessKw <= 0) break;
      if (minOnPassed(d)) take(d);
    }
    // The limit wins over a minimum on time, but only down to the limit itself.
    let overLimitKw = excessKw - (limit.limitKw - targetKw);
    for (const d of candidates) {
      if (overLimitKw <= 0) break;
      if (held.has(d.id)) continue;
      take(d);
      overrides += 1;
      overLimitKw = excessKw - (limit.limitKw - targetKw);
    }
  } else if (!overTarget && nowMs - state.lastRestoreAtMs >= policy.restoreIntervalMs) {
    let roomKw = Math.min(policy.restoreStepKw, targetKw * (1 - policy.hysteresisFraction) - projectedKw);
    for (const d of [...devices].reverse()) {
      if (roomKw <= 0) break;
      const heldSince = held.get(d.id);
      const trimmedSince = trimmed.get(d.id);
      if (heldSince !== undefined && nowMs - heldSince >= d.minOffMs && d.stepKw <= roomKw) {
        restore.push(d.id);
        held.delete(d.id);
        lastChange.set(d.id, { on: true, atMs: nowMs });
        roomKw -= d.stepKw;
      } else if (trimmedSince !== undefined && nowMs - trimmedSince >= policy.minTrimMs && trimKw(d) <= roomKw) {
        raise.push(d.id);
        trimmed.delete(d.id);
        lastTrim.set(d.id, { on: true, atMs: nowMs });
        roomKw -= trimKw(d);
      }
    }
    if (restore.length + raise.length > 0) lastRestoreAtMs = nowMs;
  }
  return {
    state: {
      held,
      trimmed,
      lastTrim,
      lastChange,
      lastRestoreAtMs,
      ...(overTargetSinceMs !== undefined ? { overTargetSinceMs } : {}),
      minTimeOverrides: state.minTimeOverrides + overrides,
    },
    shed,
    restore,
    trim,
    raise,
    limit,
    targetKw,
    projectedKw,
    overrides,
  };
}
