import net from 'node:net';
import { ManualClock } from '../../../core/support/clock.js';
import { LuxosDriver } from '../../../iot-greengrass/adapters/asic/luxos-driver.js';
import type { GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';

/** A TCP relay in front of a miner that counts connections: cgminer takes one request per connection. */
async function countingRelay(target: { address: string; port: number }) {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    connections += 1;
    const outbound = net.connect(target.port, target.address);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('LuxOS switches prepared ahead, over real TCP', () => {
  let fleet: VirtualFleet;
  let clock: ManualClock;
  let relay: Awaited<ReturnType<typeof countingRelay>>;
  let miner: GatewayDevice;
  const driver = () => new LuxosDriver({ nowMs: () => clock.nowMs() });
  const session = () => fleet.miners[0]!.context.sessions.current();

  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-07-01T15:00:00Z'));
    fleet = await startVirtualFleet({ asics: 1, gpuNodes: 1, seed: 5, clock, site: 'site-west-1', gpuAutoTickMs: 0 });
    const endpoint = fleet.endpoints.find((e) => e.kind === 'asic')!;
    relay = await countingRelay(endpoint);
    miner = { ...endpoint, address: '127.0.0.1', port: relay.port };
  });
  afterEach(() => {
    // Each test starts with the miner's session lapsed, as after a minute without a gateway.
    clock.advanceMs(61_000);
  });
  afterAll(async () => {
    await relay.close();
    await fleet.stop();
  });

  it('logs on before the signal, so a switch costs one connection', async () => {
    // Prepare
    const luxos = driver();

    // Act
    const contacted = await luxos.prepare([miner], 8);
    const afterPrepare = relay.connections();
    const sent = await luxos.setPowered(miner, false);

    // Assess
    expect(contacted).toBe(1);
    expect(session()).not.toBeNull();
    expect(sent).toEqual({ ok: true, value: undefined });
    expect(relay.connections() - afterPrepare).toBe(1);
    expect(fleet.miners[0]!.context.physics.isAwakeCommanded()).toBe(false);
  });

  it('logs on again before use when the session has lapsed by its clock, without trying the dead one', async () => {
    // Prepare
    const luxos = driver();
    await luxos.prepare([miner], 8);
    const first = session();
    clock.advanceMs(61_000); // LuxOS drops a session idle for a minute.
    const before = relay.connections();

    // Act
    const woken = await luxos.setPowered(miner, true);

    // Assess: logon + curtail, not curtail (refused) + logon + curtail
    expect(woken.ok).toBe(true);
    expect(relay.connections() - before).toBe(2);
    expect(session()).not.toBe(first);
    expect(fleet.miners[0]!.context.physics.isAwakeCommanded()).toBe(true);
  });

  it('renews a session about to lapse on prepare, and leaves a fresh one alone', async () => {
    // Prepare
    const luxos = driver();
    await luxos.prepare([miner], 8);
    const first = session();

    // Act
    clock.advanceMs(20_000);
    const freshContacted = await luxos.prepare([miner], 8);
    clock.advanceMs(25_000); // 45 s idle: past the 40 s renewal age, inside LuxOS's minute.
    const renewedContacted = await luxos.prepare([miner], 8);
    const renewed = session();
    clock.advanceMs(30_000); // 75 s after the first logon: it alone would have lapsed.
    const before = relay.connections();
    const sent = await luxos.setPowered(miner, false);

    // Assess
    expect(freshContacted).toBe(0);
    expect(renewedContacted).toBe(1);
    expect(renewed).not.toBe(first);
    expect(sent.ok).toBe(true);
    expect(relay.connections() - before).toBe(1);
  });

  it('logs on afresh when the miner refuses a session it dropped early (a reboot)', async () => {
    // Prepare: the driver's session is young by its clock, but the miner no longer knows it.
    const luxos = driver();
    await luxos.prepare([miner], 8);
    fleet.miners[0]!.context.sessions.logoff(session()!);

    // Act
    const sent = await luxos.setPowered(miner, true);

    // Assess
    expect(sent.ok).toBe(true);
    expect(session()).not.toBeNull();
  });
});
