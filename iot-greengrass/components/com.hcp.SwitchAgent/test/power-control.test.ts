import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import { switchAgentConfigSchema } from '../src/config.js';
import { memoryFrom } from '../src/persistence.js';
import { decideMode, PowerControl } from '../src/power-control.js';
import { NOW_MS, planOf, SITE } from './fixtures.js';

const T0 = NOW_MS;
const config = switchAgentConfigSchema.parse({ siteId: SITE, heartbeatTimeoutMs: 60_000 });
const plan = planOf(SITE, [1]);
const devices: GatewayDevice[] = ['m1', 'm2'].map((id) => ({
  id,
  kind: 'asic',
  groupId: 'g',
  address: '127.0.0.1',
  port: 4028,
}));

describe('SwitchAgent mode', () => {
  const heard = { plan, modeOverride: undefined, lastHeartbeatMs: T0 };

  it('follows the plan while the cloud is heard and an interval is in force', () => {
    expect(decideMode(heard, config, T0 + 1000)).toMatchObject({ mode: 'plan', active: { index: 0 } });
  });

  it('falls back to the default mode when the cloud is silent past the timeout, or no interval is in force', () => {
    expect(decideMode(heard, config, T0 + 60_001)).toMatchObject({
      mode: 'curtail-asics',
      fallbackReason: 'heartbeat-missing',
    });
    expect(decideMode({ ...heard, plan: undefined }, config, T0 + 1000)).toEqual({
      mode: 'curtail-asics',
      fallbackReason: 'no-active-plan',
    });
  });

  it('lets an operator’s override win while still naming the watchdog’s verdict', () => {
    const override = { ...heard, modeOverride: { mode: 'all-on' as const, untilMs: T0 + 999_000 } };
    expect(decideMode(override, config, T0 + 60_001)).toMatchObject({
      mode: 'all-on',
      fallbackReason: 'heartbeat-missing',
    });
  });
});

describe('SwitchAgent power control', () => {
  it('switches the devices to the plan’s share, off for held groups, and logs a change of mode once', async () => {
    // Prepare
    const switched: string[] = [];
    const driver: DeviceDriver = {
      setPowered: async (d, on) => {
        switched.push(`${d.id}:${on ? 'on' : 'off'}`);
        return { ok: true, value: undefined };
      },
      readPowered: async () => ({ ok: true, value: true }),
      read: async () => ({ ok: false, failure: { kind: 'unsupported', detail: '' } }),
    };
    const logged: Array<[string, Record<string, unknown>]> = [];
    const applied: string[] = [];
    const power = new PowerControl({
      devices,
      driver,
      config,
      log: (event, detail) => logged.push([event, detail]),
      onApplied: (cause) => applied.push(cause),
    });
    const memory = memoryFrom(undefined, config, T0);
    memory.plan = plan;

    // Act: the plan keeps one of two devices on (no site model: plan units are device counts)
    const first = await power.apply(memory, T0 + 1000, 'tick');
    memory.book.hold('g', 'price', T0 + 2000, ['m1', 'm2']);
    await power.apply(memory, T0 + 2000, 'grid:price');
    const unchanged = await power.apply(memory, T0 + 3000, 'tick');

    // Assess
    expect(first).toMatchObject({ sent: 2, accepted: 2, failed: 0 });
    expect(first.devices.map((d) => d.id)).toEqual(['m1', 'm2']);
    expect(switched).toEqual(['m1:on', 'm2:off', 'm1:off']);
    expect(unchanged.sent).toBe(0);
    expect(applied).toEqual(['tick', 'grid:price']);
    expect(power.view()).toMatchObject({ mode: 'plan', targets: { m1: false, m2: false }, drifted: [] });
    expect(logged).toEqual([]);
    await power.apply({ ...memory, lastHeartbeatMs: T0 - 120_000 }, T0 + 4000, 'tick');
    expect(logged).toEqual([['mode', { mode: 'curtail-asics', fallback: 'heartbeat-missing' }]]);
  });
});

describe('SwitchAgent prepared rungs', () => {
  const recordingDriver = (switched: string[], prepared: string[][]): DeviceDriver => ({
    setPowered: async (d, on) => {
      switched.push(`${d.id}:${on ? 'on' : 'off'}`);
      return { ok: true, value: undefined };
    },
    readPowered: async (d) => ({
      ok: true,
      value: switched.lastIndexOf(`${d.id}:on`) > switched.lastIndexOf(`${d.id}:off`),
    }),
    read: async () => ({ ok: false, failure: { kind: 'unsupported', detail: '' } }),
    prepare: async (ds) => {
      prepared.push(ds.map((d) => d.id));
      return ds.length;
    },
  });

  it('discards the targets prepared for an old plan when a new plan arrives', async () => {
    // Prepare: plan v1 keeps one of two devices on; the tick's pass prepares its targets
    const switched: string[] = [];
    const power = new PowerControl({ devices, driver: recordingDriver(switched, []), config, log: () => undefined });
    const memory = memoryFrom(undefined, config, T0);
    memory.plan = planOf(SITE, [1]);
    await power.apply(memory, T0 + 1000, 'tick');

    // Act: plan v2 (same interval start) keeps both on
    memory.plan = { ...planOf(SITE, [2]), version: 2 };
    const report = await power.apply(memory, T0 + 2000, 'tick');

    // Assess
    expect(switched).toEqual(['m1:on', 'm2:off', 'm2:on']);
    expect(report).toMatchObject({ sent: 1, accepted: 1, failed: 0 });
    expect(report.devices.map((d) => d.id)).toEqual(['m2']);
    expect(power.view().targets).toEqual({ m1: true, m2: true });
  });

  it('keeps the prepared targets across signals and lays each signal’s holds over them', async () => {
    // Prepare
    const switched: string[] = [];
    const power = new PowerControl({ devices, driver: recordingDriver(switched, []), config, log: () => undefined });
    const memory = memoryFrom(undefined, config, T0);
    memory.plan = planOf(SITE, [2]);
    await power.apply(memory, T0 + 1000, 'tick');

    // Act: a hold, then its release, under the same plan interval
    memory.book.hold('g', 'price', T0 + 2000, ['m1', 'm2']);
    const held = await power.apply(memory, T0 + 2000, 'grid:price');
    const heldView = power.view().targets;
    memory.book.release('g', 'price');
    memory.book.step(T0 + 3000 + config.minCurtailedMs, power.devicesByGroup);
    const released = await power.apply(memory, T0 + 3000, 'grid:price');

    // Assess
    expect(held.sent).toBe(2);
    expect(heldView).toEqual({ m1: false, m2: false });
    expect(released.sent).toBe(2);
    expect(switched).toEqual(['m1:on', 'm2:on', 'm1:off', 'm2:off', 'm1:on', 'm2:on']);
  });

  it('readies every device through the driver on the tick’s retry-and-verify, not on a switch', async () => {
    // Prepare
    const prepared: string[][] = [];
    const power = new PowerControl({ devices, driver: recordingDriver([], prepared), config, log: () => undefined });
    const memory = memoryFrom(undefined, config, T0);
    memory.plan = planOf(SITE, [2]);

    // Act
    await power.apply(memory, T0 + 1000, 'tick');
    const beforeTick = prepared.length;
    await power.retryAndVerify();

    // Assess
    expect(beforeTick).toBe(0);
    expect(prepared).toEqual([['m1', 'm2']]);
  });
});
