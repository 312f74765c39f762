import type { GatewayDevice } from '../../../adapters/device-port.js';
import { activeInterval, nextBoundaryMs } from '../src/plan-schedule.js';
import { targetStates } from '../src/target-state.js';
import { evaluateWatchdog } from '../src/watchdog.js';
import { NOW_MS, planOf } from './fixtures.js';

const T0 = NOW_MS;
const plan = planOf('s1', [100, 25]);

describe('plan schedule', () => {
  it('switches interval exactly at the boundary and ends with the last interval', () => {
    expect(activeInterval(plan, 's1', T0 - 1)).toBeUndefined();
    expect(activeInterval(plan, 's1', T0)?.index).toBe(0);
    expect(activeInterval(plan, 's1', T0 + 299_999)?.index).toBe(0);
    expect(activeInterval(plan, 's1', T0 + 300_000)?.index).toBe(1);
    expect(activeInterval(plan, 's1', T0 + 600_000)).toBeUndefined();
    expect(nextBoundaryMs(plan, 's1', T0 + 10)).toBe(T0 + 300_000);
  });
});

describe('watchdog', () => {
  const base = { lastHeartbeatMs: 0, heartbeatTimeoutMs: 30_000, planActive: true };
  it('falls back once the heartbeat is older than the timeout, not before', () => {
    expect(evaluateWatchdog({ ...base, nowMs: 30_000 })).toEqual({ fallback: false });
    expect(evaluateWatchdog({ ...base, nowMs: 30_001 })).toEqual({ fallback: true, reason: 'heartbeat-missing' });
  });
  it('falls back when no plan interval is in force', () => {
    expect(evaluateWatchdog({ ...base, nowMs: 1, planActive: false })).toEqual({
      fallback: true,
      reason: 'no-active-plan',
    });
  });
});

describe('target states', () => {
  const devices: GatewayDevice[] = ['d3', 'd1', 'd2', 'd4'].map((id) => ({
    id,
    kind: 'asic',
    groupId: 'g',
    address: '127.0.0.1',
    port: 4028,
  }));
  it('keeps the plan share of the gateway’s own devices on, first by id, and never a held device', () => {
    const interval = activeInterval(plan, 's1', T0 + 300_000)!.interval;
    const targets = targetStates({
      devices,
      mode: 'plan',
      interval,
      unitsPerGroup: new Map([['g', 100]]),
      held: new Set(['d1']),
    });
    expect(Object.fromEntries([...targets].map(([id, t]) => [id, t.on]))).toEqual({
      d1: false,
      d2: false,
      d3: false,
      d4: false,
    });
    const all = targetStates({ devices, mode: 'plan', interval, unitsPerGroup: new Map([['g', 50]]), held: new Set() });
    expect([...all].filter(([, t]) => t.on).map(([id]) => id)).toEqual(['d1', 'd2']);
  });
  it('turns every ASIC off in curtail-asics mode', () => {
    const targets = targetStates({ devices, mode: 'curtail-asics', unitsPerGroup: new Map(), held: new Set() });
    expect([...targets.values()].every((t) => !t.on)).toBe(true);
  });
  it('keeps an always-on group (stock cgminer) on at its own setting in any mode, held or not', () => {
    // Act: a fallback mode, a hold on one of its devices.
    const curtailed = targetStates({
      devices,
      mode: 'curtail-asics',
      unitsPerGroup: new Map(),
      alwaysOnGroups: new Set(['g']),
      held: new Set(['d1']),
    });
    // Assess: every device on, and no power target to send (the firmware has none).
    expect([...curtailed.values()]).toEqual(devices.map(() => ({ on: true })));
  });
  it('gives each running unit its share of the group power target, net of the asleep units’ draw', () => {
    const interval = {
      startsAt: '2026-07-01T15:00:00Z',
      asicGroups: [{ groupId: 'g', unitsOn: 50, powerTargetKw: 50 * 3.2 + 50 * 0.025 }],
      gpuPools: [],
      sitePowerKw: 1,
    };
    const targets = targetStates({
      devices,
      mode: 'plan',
      interval,
      unitsPerGroup: new Map([['g', 100]]),
      sleepPowerWByGroup: new Map([['g', 25]]),
      held: new Set(),
    });
    expect(targets.get('d1')).toEqual({ on: true, powerW: 3200 });
    expect(targets.get('d4')).toEqual({ on: false });
  });
});
