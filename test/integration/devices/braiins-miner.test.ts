import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { BraiinsDriver } from '../../../iot-greengrass/adapters/asic/braiins-driver.js';
import { request } from '../../../iot-greengrass/adapters/asic/cgminer-client.js';
import { CgminerMonitorDriver } from '../../../iot-greengrass/adapters/asic/cgminer-monitor-driver.js';
import type { GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import {
  startVirtualBraiinsMiner,
  startVirtualMiner,
  type VirtualBraiinsMiner,
  type VirtualMiner,
} from '../../../sim/devices/asic/virtual-miner.js';
import { asicInventory } from '../../../sim/devices/inventory.js';

const site = referenceFleet.sites[0]!;
const s21 = site.asicGroups.find((g) => g.model === 'Antminer S21')!;
const item = asicInventory(site, 1, 7)[0]!;
/** Both firmwares over the same physics: healthy boards, the S21's curve. */
const minerOptions = (clock: ManualClock) => ({
  item,
  group: s21,
  clock,
  seed: 7,
  host: '127.0.0.1',
  port: 0,
  physics: { boardFailuresPerBoardYear: 0 },
});
const deviceAt = (port: number): GatewayDevice => ({
  id: item.id,
  kind: 'asic',
  groupId: s21.id,
  address: '127.0.0.1',
  port,
});

describe('BraiinsDriver against the virtual Braiins OS+ miner over HTTP', () => {
  let clock: ManualClock;
  let miner: VirtualBraiinsMiner;
  let device: GatewayDevice;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-07-01T15:00:00Z'));
    miner = await startVirtualBraiinsMiner({ ...minerOptions(clock), password: 'hunter2' });
    device = deviceAt(miner.server.port);
  });
  afterEach(() => miner.server.close());

  it('pauses and resumes the miner and reads its power and hashrate back', async () => {
    // Prepare
    const driver = new BraiinsDriver({ username: 'root', password: 'hunter2' });
    // Act: pause, let the boards wind down, read; resume, let them re-tune, read.
    const paused = await driver.setPowered(device, false);
    clock.advanceMs((s21.sleepSeconds + 1) * 1000);
    const asleep = await driver.read(device);
    const resumed = await driver.setPowered(device, true);
    clock.advanceMs((s21.wakeSeconds + 1) * 1000);
    const hashing = await driver.read(device);
    // Assess
    expect(paused).toEqual({ ok: true, value: undefined });
    expect(asleep).toMatchObject({ ok: true, value: { powered: false, state: 'sleeping', powerW: s21.sleepPowerW } });
    expect(resumed).toEqual({ ok: true, value: undefined });
    expect(hashing.ok && hashing.value.powered).toBe(true);
    expect(hashing.ok && hashing.value.powerW).toBe(s21.nominalPowerW);
    expect(hashing.ok && hashing.value.hashrateThs).toBeGreaterThan(s21.nominalHashrateThs * 0.9);
    // One login served every call: the token is reused, not fetched per request.
    expect(miner.server.requests.get('POST /api/v1/auth/login')).toBe(1);
  });

  it('sets a power target between the curve points and the miner draws it', async () => {
    // Prepare
    const driver = new BraiinsDriver({ username: 'root', password: 'hunter2' });
    const [low, high] = [s21.powerCurve[0]!.powerW, s21.powerCurve.at(-1)!.powerW];
    const target = Math.round((low + high) / 2);
    // Act
    const set = await driver.setPowerTarget!(device, target);
    const reading = await driver.read(device);
    const outside = await driver.setPowerTarget!(device, high + 500);
    // Assess: the autotuner reaches any target in range (the physics lowers power at once), refuses one outside.
    expect(set).toEqual({ ok: true, value: undefined });
    expect(reading.ok && reading.value.powerW).toBe(target);
    expect(outside).toMatchObject({ ok: false, failure: { kind: 'http-status' } });
    expect(!outside.ok && outside.failure.detail).toContain(`${high + 500} W outside ${low}..${high} W`);
  });

  it('logs in again when the miner forgot its token (a restart), and fails on a wrong password', async () => {
    // Prepare
    const driver = new BraiinsDriver({ username: 'root', password: 'hunter2' });
    expect((await driver.readPowered(device)).ok).toBe(true);
    miner.server.expireTokens();
    // Act
    const afterRestart = await driver.setPowered(device, false);
    const wrong = await new BraiinsDriver({ username: 'root', password: 'nope' }).readPowered(device);
    // Assess
    expect(afterRestart.ok).toBe(true);
    expect(miner.server.requests.get('POST /api/v1/auth/login')).toBe(3);
    expect(wrong).toMatchObject({ ok: false, failure: { kind: 'http-status' } });
    expect(!wrong.ok && wrong.failure.detail).toMatch(/^401 .*invalid username or password/);
  });
});

describe('CgminerMonitorDriver against a virtual miner on stock cgminer firmware', () => {
  let clock: ManualClock;
  let miner: VirtualMiner;
  let device: GatewayDevice;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-07-01T15:00:00Z'));
    miner = await startVirtualMiner({ ...minerOptions(clock), firmware: 'cgminer' });
    device = deviceAt(miner.server.port);
  });
  afterEach(() => miner.server.close());

  it('reads hashrate and power at the stock efficiency, and refuses to sleep the miner', async () => {
    // Prepare: S21 stock efficiency, W per TH/s.
    const joulesPerTh = s21.nominalPowerW / s21.nominalHashrateThs;
    const driver = new CgminerMonitorDriver({ joulesPerThByGroup: { [s21.id]: joulesPerTh } });
    // Act
    const reading = await driver.read(device);
    const off = await driver.setPowered(device, false);
    const on = await driver.setPowered(device, true);
    // Assess
    expect(reading.ok && reading.value.powered).toBe(true);
    const hashrate = reading.ok ? reading.value.hashrateThs! : 0;
    expect(reading.ok && reading.value.powerW).toBeCloseTo(hashrate * joulesPerTh, 6);
    expect(off).toMatchObject({ ok: false, failure: { kind: 'unsupported' } });
    expect(on).toEqual({ ok: true, value: undefined });
    // The miner itself has no LuxOS command: the firmware flavour is real, not only the driver's choice.
    const curtail = await request(device, 'curtail', 'x,sleep');
    expect(curtail).toMatchObject({ ok: false, failure: { kind: 'device-error' } });
    expect(!curtail.ok && curtail.failure.detail).toContain('Invalid command');
  });
});
