import fc from 'fast-check';
import { siteMeasurement } from '../../../core/power/site-measurement.js';
import {
  activeLimit,
  type ControlledDevice,
  type ControllerPolicy,
  type ControllerState,
  controllerPolicyDefaults,
  controlStep,
  initialControllerState,
} from '../../../core/power/site-power-controller.js';

const asic = (id: string, over: Partial<ControlledDevice> = {}): ControlledDevice => ({
  id,
  kind: 'asic',
  stepKw: 3.5,
  sleepSeconds: 5,
  wakeSeconds: 45,
  minOnMs: 60_000,
  minOffMs: 120_000,
  ...over,
});

const policy: ControllerPolicy = { ...controllerPolicyDefaults, restoreIntervalMs: 5_000 };
const ids = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('activeLimit', () => {
  it('takes the lowest of interconnect, demand response, override and plan', () => {
    // Prepare
    const limits = { interconnectKw: 1000, demandResponseKw: 800, overrideKw: 900, planKw: 850 };
    // Act
    const limit = activeLimit(limits);
    // Assess
    expect(limit).toEqual({ limitKw: 800, source: 'demand-response' });
    expect(activeLimit({ interconnectKw: 1000 })).toEqual({ limitKw: 1000, source: 'interconnect' });
  });
});

describe('controlStep', () => {
  const devices = ids(10).map((id) => asic(id));
  const allOn = new Set(devices.map((d) => d.id));
  const base = { limits: { interconnectKw: 100 }, devices, plannedOn: allOn, gpuMayYield: false };

  it('sheds the first devices in merit order, sized so the ramp crosses the target within the response time', () => {
    // Prepare: 7 kW over a 98 kW target; a 5 s ramp sheds 2/5 of a device's step in the 2 s response time.
    const input = { ...base, nowMs: 1_000_000, measuredKw: 105 };
    // Act
    const decision = controlStep(input, initialControllerState, policy);
    // Assess: ceil(7 / (3.5 × 0.4)) = 5 devices, the first five of the order.
    expect(decision.targetKw).toBeCloseTo(98);
    expect(decision.shed).toEqual(['a000', 'a001', 'a002', 'a003', 'a004']);
    expect(decision.restore).toEqual([]);
  });

  it('waits for an excess inside the limit to persist before acting, and acts at once above the limit', () => {
    // Prepare: the target is 98 kW; 99 kW is inside the limit (meter noise around a site planned at its target).
    const noisy = controlStep({ ...base, nowMs: 0, measuredKw: 99 }, initialControllerState, policy);
    const back = controlStep({ ...base, nowMs: 1_000, measuredKw: 97.5 }, noisy.state, policy);
    const again = controlStep({ ...base, nowMs: 2_000, measuredKw: 99 }, back.state, policy);
    // Act: the excess stays for the confirmation time; a reading above the limit needs none.
    const persisted = controlStep(
      { ...base, nowMs: 2_000 + policy.confirmOverTargetMs, measuredKw: 99 },
      again.state,
      policy,
    );
    const overLimit = controlStep({ ...base, nowMs: 0, measuredKw: 101 }, initialControllerState, policy);
    // Assess
    expect([noisy.shed, back.shed, again.shed]).toEqual([[], [], []]);
    expect(back.state.overTargetSinceMs).toBeUndefined();
    expect(persisted.shed.length).toBeGreaterThan(0);
    expect(overLimit.shed.length).toBeGreaterThan(0);
  });

  it('does not shed again for power its earlier sheds have still to take off', () => {
    // Prepare
    const first = controlStep({ ...base, nowMs: 1_000_000, measuredKw: 105 }, initialControllerState, policy);
    // Act: one second on, the meter shows a fifth of the ramp done (5 × 3.5 × 0.2 = 3.5 kW off).
    const second = controlStep({ ...base, nowMs: 1_001_000, measuredKw: 101.5 }, first.state, policy);
    // Assess
    expect(second.projectedKw).toBeCloseTo(101.5 - 5 * 3.5 * 0.8);
    expect(second.shed).toEqual([]);
  });

  it('counts a shed the device has not accepted yet as all still to come (a slow fan-out does not cascade)', () => {
    // Prepare: five devices shed at t0; 4 s on the meter shows nothing dropped yet.
    const first = controlStep({ ...base, nowMs: 0, measuredKw: 105 }, initialControllerState, policy);
    const later = { ...base, nowMs: 4_000, measuredKw: 105 };
    // Act
    const accepted = controlStep(later, first.state, policy);
    const inFlight = controlStep({ ...later, inFlight: new Set(first.shed) }, first.state, policy);
    // Assess: believed accepted, the ramp should be 80% done, so more must go; in flight, the whole 17.5 kW is to come.
    expect(accepted.shed.length).toBeGreaterThan(0);
    expect(inFlight.projectedKw).toBeCloseTo(105 - 5 * 3.5);
    expect(inFlight.shed).toEqual([]);
  });

  it('does not read a device pending for another reason (a new power target) long after its switch as ramping', () => {
    // Prepare: devices switched on by the plan long ago, now pending because the plan changed their power target.
    const seen = controlStep(
      { ...base, plannedOn: new Set(), nowMs: 0, measuredKw: 0 },
      initialControllerState,
      policy,
    );
    const on = controlStep({ ...base, nowMs: 1_000, measuredKw: 20 }, seen.state, policy);
    // Act
    const later = controlStep({ ...base, nowMs: 600_000, measuredKw: 90, inFlight: allOn }, on.state, policy);
    // Assess
    expect(later.projectedKw).toBe(90);
    expect(later.shed).toEqual([]);
  });

  it('adds no ramp to a steady-state estimate (the plan, the safe level), which already counts its holds', () => {
    // Prepare
    const first = controlStep({ ...base, nowMs: 0, measuredKw: 105 }, initialControllerState, policy);
    // Act
    const estimated = controlStep({ ...base, nowMs: 1_000, measuredKw: 97, estimated: true }, first.state, policy);
    // Assess
    expect(estimated.projectedKw).toBe(97);
    expect(estimated.shed).toEqual([]);
  });

  it('skips devices inside their minimum on time unless the limit itself would be exceeded, and counts those', () => {
    // Prepare: every device switched on by the plan 10 s ago (min on 60 s), its 5 s wake ramp done.
    const quick = devices.map((d) => ({ ...d, wakeSeconds: 5 }));
    const seen = controlStep(
      { ...base, devices: quick, plannedOn: new Set(), nowMs: 980_000, measuredKw: 0 },
      initialControllerState,
      policy,
    );
    let state: ControllerState = controlStep(
      // 55 kW now and 35 kW of wake ramp to come: 90 kW projected, under the target.
      { ...base, devices: quick, nowMs: 990_000, measuredKw: 55 },
      seen.state,
      policy,
    ).state;
    // Act: 1 kW over the target but under the limit: nothing may go; 6 kW over the limit: the limit wins.
    const underLimit = controlStep({ ...base, devices: quick, nowMs: 1_000_000, measuredKw: 99 }, state, policy);
    state = underLimit.state;
    const overLimit = controlStep({ ...base, devices: quick, nowMs: 1_000_500, measuredKw: 106 }, state, policy);
    // Assess: overrides only down to the limit: ceil(6 / 1.4) = 5 devices.
    expect(underLimit.shed).toEqual([]);
    expect(overLimit.shed).toHaveLength(5);
    expect(overLimit.overrides).toBe(5);
    expect(overLimit.state.minTimeOverrides).toBe(5);
  });

  it('never sheds a serving GPU unless flex work yields, and then only after every ASIC', () => {
    // Prepare
    const gpu: ControlledDevice = { ...asic('g000'), kind: 'gpu', stepKw: 5, sleepSeconds: 1 };
    const withGpu = [asic('a000'), gpu];
    const on = new Set(['a000', 'g000']);
    const input = { ...base, devices: withGpu, plannedOn: on, nowMs: 1_000_000, measuredKw: 200 };
    // Act
    const protectedGpu = controlStep(input, initialControllerState, policy);
    const yielding = controlStep({ ...input, gpuMayYield: true }, initialControllerState, policy);
    // Assess
    expect(protectedGpu.shed).toEqual(['a000']);
    expect(yielding.shed).toEqual(['a000', 'g000']);
  });

  it('restores in reverse order past the minimum off time, only under the hysteresis band, one batch per interval', () => {
    // Prepare: five devices shed at t0.
    const shed = controlStep({ ...base, nowMs: 0, measuredKw: 105 }, initialControllerState, policy);
    // Act: the load falls away at once, but the minimum off time (120 s) holds them; then it lets them back.
    const early = controlStep({ ...base, nowMs: 60_000, measuredKw: 50 }, shed.state, policy);
    const later = controlStep({ ...base, nowMs: 130_000, measuredKw: 90 }, early.state, policy);
    const next = controlStep({ ...base, nowMs: 131_000, measuredKw: 90 }, later.state, policy);
    // Assess: room under 98 × 0.995 = 97.51 − 90 is 7.51 kW: two devices; the next batch waits for the interval.
    expect(early.restore).toEqual([]);
    expect(later.restore).toEqual(['a004', 'a003']);
    expect(next.restore).toEqual([]);
  });

  it('forgets a hold the plan no longer needs (the plan turned the device off itself)', () => {
    // Prepare
    const shed = controlStep({ ...base, nowMs: 0, measuredKw: 105 }, initialControllerState, policy);
    // Act
    const next = controlStep({ ...base, plannedOn: new Set(), nowMs: 1_000, measuredKw: 20 }, shed.state, policy);
    // Assess
    expect(next.state.held.size).toBe(0);
  });
});

describe('controlStep with firmware power targets', () => {
  // Ten ASICs, the first five with a power target to lower (1.7 kW of their 3.5 kW step, in a second).
  const devices = ids(10).map((id, i) => asic(id, i < 5 ? { trimKw: 1.7, trimSeconds: 1 } : {}));
  const allOn = new Set(devices.map((d) => d.id));
  const base = { limits: { interconnectKw: 100 }, devices, plannedOn: allOn, gpuMayYield: false };

  it('lowers power targets first, least efficient first, when that frees enough within the response time', () => {
    // Prepare: 3 kW over the 98 kW target: two trims of 1.7 kW cover it.
    const input = { ...base, nowMs: 1_000_000, measuredKw: 101 };
    // Act
    const decision = controlStep(input, initialControllerState, policy);
    // Assess: nothing sleeps; the first two of the order run on their lowest target.
    expect(decision.trim).toEqual(['a000', 'a001']);
    expect(decision.shed).toEqual([]);
    expect([...decision.state.trimmed.keys()]).toEqual(['a000', 'a001']);
  });

  it('sleeps what lower targets cannot free, a lowered device shedding only what is left above sleep', () => {
    // Prepare: 12 kW over: five trims free 8.5 kW; 3.5 kW remain for sleeps, at 2/5 of the ramp within 2 s.
    const input = { ...base, nowMs: 1_000_000, measuredKw: 110 };
    // Act
    const decision = controlStep(input, initialControllerState, policy);
    // Assess: the lowered a000 sheds (3.5 − 1.7) × 0.4 = 0.72 kW, a001 0.72, a002 0.72, a003 0.72, a004 0.72 → 3.6.
    expect(decision.trim).toEqual(['a000', 'a001', 'a002', 'a003', 'a004']);
    expect(decision.shed).toEqual(['a000', 'a001', 'a002', 'a003', 'a004']);
    expect(decision.state.trimmed.size).toBe(0);
    expect(decision.state.lastChange.get('a000')).toEqual({ on: false, atMs: 1_000_000, kw: 3.5 - 1.7 });
  });

  it('counts a lowered target as shed at once, so it does not sleep devices the next second', () => {
    // Prepare
    const first = controlStep({ ...base, nowMs: 0, measuredKw: 101 }, initialControllerState, policy);
    // Act: the meter has not caught up yet (the trims are in flight).
    const next = controlStep(
      { ...base, nowMs: 500, measuredKw: 101, inFlight: new Set(first.trim) },
      first.state,
      policy,
    );
    // Assess
    expect(next.projectedKw).toBeCloseTo(101 - 2 * 1.7);
    expect(next.shed).toEqual([]);
    expect(next.trim).toEqual([]);
  });

  it('raises lowered targets in reverse order, only past the minimum trim time and under the hysteresis band', () => {
    // Prepare
    const first = controlStep({ ...base, nowMs: 0, measuredKw: 101 }, initialControllerState, policy);
    // Act: room comes back at once, but a lowered target stays a minute; then one fits under the band.
    const early = controlStep({ ...base, nowMs: 30_000, measuredKw: 90 }, first.state, policy);
    const later = controlStep({ ...base, nowMs: 61_000, measuredKw: 95.5 }, early.state, policy);
    // Assess: room 98 × 0.995 − 95.5 = 2.01 kW: one raise (1.7 kW), the most efficient lowered device first.
    expect(early.raise).toEqual([]);
    expect(later.raise).toEqual(['a001']);
    expect([...later.state.trimmed.keys()]).toEqual(['a000']);
  });
});

describe('siteMeasurement', () => {
  const inputs = { nowMs: 10_000, meterMaxAgeMs: 3_000, deviceMaxAgeMs: 5_000, minDeviceCoverage: 0.9, safeKw: 999 };

  it('falls back from the meter to the devices, the plan and a safe level, in that order', () => {
    // Prepare
    const meter = { kw: 100, atMs: 9_000 };
    const devices = { kw: 110, atMs: 9_500, coverage: 0.95 };
    // Act + Assess
    expect(siteMeasurement({ ...inputs, meter, devices, planKw: 120 })).toEqual({ kw: 100, source: 'meter' });
    const staleMeter = { kw: 100, atMs: 6_000 };
    expect(siteMeasurement({ ...inputs, meter: staleMeter, devices, planKw: 120 })).toEqual({
      kw: 110,
      source: 'devices',
    });
    const fewDevices = { ...devices, coverage: 0.5 };
    expect(siteMeasurement({ ...inputs, meter: staleMeter, devices: fewDevices, planKw: 120 }).source).toBe('plan');
    expect(siteMeasurement({ ...inputs, meter: staleMeter, devices: fewDevices })).toEqual({ kw: 999, source: 'safe' });
  });
});

/**
 * A plant for the property test: ASICs ramp linearly (down over sleepSeconds, up over wakeSeconds), GPUs follow a
 * random load trace, the meter samples the true power once a second and the controller acts on that sample.
 */
describe('controller property: random GPU load traces', () => {
  const DT_MS = 100;
  const PERIOD_MS = 1_000;
  const limitKw = 300;

  interface Step {
    readonly atS: number;
    readonly gpuKw: number;
  }

  function simulate(trace: readonly Step[], durationS: number, asicCount: number) {
    // Every other ASIC has a lower power target that frees 1.4 of its 3.4 kW (LuxOS/Braiins); the rest only sleep.
    const devices = ids(asicCount).map((id, i) =>
      asic(id, {
        stepKw: 3.4,
        minOnMs: 60_000,
        minOffMs: 120_000,
        ...(i % 2 === 0 ? { trimKw: 1.4, trimSeconds: 1 } : {}),
      }),
    );
    const sleepKw = 0.03;
    const activity = new Map(devices.map((d) => [d.id, 1]));
    const commanded = new Map(devices.map((d) => [d.id, true]));
    // Power above sleep a running device may draw: its step, less its trim while lowered; a drop is immediate, a
    // raise re-tunes at the wake rate.
    const ceilingKw = new Map(devices.map((d) => [d.id, d.stepKw]));
    const lowered = new Set<string>();
    const trims = new Map<string, Array<{ on: boolean; atMs: number }>>();
    const plannedOn = new Set(devices.map((d) => d.id));
    let state = initialControllerState;
    const actions = new Map<string, Array<{ on: boolean; atMs: number }>>();
    let overridesCounted = 0;
    const samples: Array<{ atMs: number; kw: number; gpuKw: number }> = [];
    let gpuKw = 0;
    for (let nowMs = 0; nowMs <= durationS * 1000; nowMs += DT_MS) {
      for (const s of trace) if (s.atS * 1000 === nowMs) gpuKw = s.gpuKw;
      for (const d of devices) {
        const rate = commanded.get(d.id) ? DT_MS / 1000 / d.wakeSeconds : -DT_MS / 1000 / d.sleepSeconds;
        activity.set(d.id, Math.min(1, Math.max(0, activity.get(d.id)! + rate)));
        const topKw = lowered.has(d.id) ? d.stepKw - (d.trimKw ?? 0) : d.stepKw;
        const ceiling = ceilingKw.get(d.id)!;
        ceilingKw.set(
          d.id,
          ceiling > topKw ? topKw : Math.min(topKw, ceiling + (d.stepKw * DT_MS) / 1000 / d.wakeSeconds),
        );
      }
      let kw = gpuKw;
      for (const d of devices) kw += sleepKw + activity.get(d.id)! * ceilingKw.get(d.id)!;
      samples.push({ atMs: nowMs, kw, gpuKw });
      if (nowMs % PERIOD_MS !== 0) continue;
      const decision = controlStep(
        { nowMs, measuredKw: kw, limits: { interconnectKw: limitKw }, devices, plannedOn, gpuMayYield: false },
        state,
        policy,
      );
      state = decision.state;
      overridesCounted += decision.overrides;
      for (const [list, on] of [
        [decision.shed, false],
        [decision.restore, true],
      ] as const) {
        for (const id of list) {
          commanded.set(id, on);
          // A device put to sleep comes back at the plan's target, not its lowered one.
          lowered.delete(id);
          actions.set(id, [...(actions.get(id) ?? []), { on, atMs: nowMs }]);
        }
      }
      for (const [list, on] of [
        [decision.trim, false],
        [decision.raise, true],
      ] as const) {
        for (const id of list) {
          if (on) lowered.delete(id);
          else lowered.add(id);
          trims.set(id, [...(trims.get(id) ?? []), { on, atMs: nowMs }]);
        }
      }
    }
    return { devices, actions, trims, overridesCounted, samples, sleepKw };
  }

  const traceArb = fc
    .array(fc.record({ gapS: fc.integer({ min: 8, max: 120 }), gpuKw: fc.integer({ min: 20, max: 200 }) }), {
      minLength: 3,
      maxLength: 12,
    })
    .map((steps) => {
      let atS = 0;
      return steps.map((s) => {
        atS += s.gapS;
        return { atS, gpuKw: s.gpuKw };
      });
    });

  it('never makes two opposite switches of one device inside its minimum time, except counted overrides', () => {
    fc.assert(
      fc.property(traceArb, (trace) => {
        const { devices, actions, trims, overridesCounted } = simulate(trace, trace.at(-1)!.atS + 60, 80);
        // A lowered target is raised only past the minimum trim time.
        for (const list of trims.values()) {
          for (let i = 1; i < list.length; i++) {
            if (list[i]!.on) expect(list[i]!.atMs - list[i - 1]!.atMs).toBeGreaterThanOrEqual(policy.minTrimMs);
          }
        }
        expect([...trims.values()].some((list) => list.length > 0)).toBe(true);
        let violations = 0;
        for (const d of devices) {
          const list = actions.get(d.id) ?? [];
          for (let i = 1; i < list.length; i++) {
            const gapMs = list[i]!.atMs - list[i - 1]!.atMs;
            if (list[i]!.on)
              expect(gapMs).toBeGreaterThanOrEqual(d.minOffMs); // a restore never cuts min off
            else if (gapMs < d.minOnMs) violations += 1;
          }
        }
        expect(violations).toBeLessThanOrEqual(overridesCounted);
      }),
      { numRuns: 6, seed: 24 },
    );
  });

  it('holds the limit: never above limit + 2% for more than 3 s, and under the limit within 5 s of a step', () => {
    fc.assert(
      fc.property(traceArb, (trace) => {
        const { samples } = simulate(trace, trace.at(-1)!.atS + 60, 80);
        let aboveSinceMs: number | undefined;
        let longestAboveMs = 0;
        for (const s of samples) {
          if (s.kw > limitKw * 1.02) {
            aboveSinceMs ??= s.atMs;
            longestAboveMs = Math.max(longestAboveMs, s.atMs - aboveSinceMs);
          } else aboveSinceMs = undefined;
        }
        expect(longestAboveMs).toBeLessThanOrEqual(3_000);
        // 5 s after each step the site is under its limit (the fleet can always make room: GPUs ≤ 200 of 300 kW).
        for (const step of trace) {
          const after = samples.find((s) => s.atMs === step.atS * 1000 + 5_000);
          if (after && after.kw > limitKw) expect({ step, kw: after.kw }).toEqual({ step, kw: `<= ${limitKw}` });
        }
      }),
      { numRuns: 6, seed: 42 },
    );
  });
});
