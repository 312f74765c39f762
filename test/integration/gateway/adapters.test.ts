import net from 'node:net';
import path from 'node:path';
import { ManualClock } from '../../../core/support/clock.js';
import { request } from '../../../iot-greengrass/adapters/asic/cgminer-client.js';
import { LuxosDriver } from '../../../iot-greengrass/adapters/asic/luxos-driver.js';
import type { GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import { readDcgmExporter } from '../../../iot-greengrass/adapters/gpu/dcgm-exporter.js';
import { execTransport, httpTransport, NvidiaSmiDriver } from '../../../iot-greengrass/adapters/gpu/nvidia-smi.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A TCP peer that answers every connection with `reply` and then closes (or stays silent when undefined). */
async function fakeMiner(reply: string | undefined): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => {
      if (reply !== undefined) socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('hardware adapters over real TCP and HTTP', () => {
  let fleet: VirtualFleet;
  let clock: ManualClock;
  const asic = () => fleet.endpoints.find((e) => e.kind === 'asic')! as GatewayDevice;
  const gpu = () => fleet.endpoints.find((e) => e.kind === 'gpu')! as GatewayDevice;

  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-07-01T15:00:00Z'));
    fleet = await startVirtualFleet({ asics: 4, gpuNodes: 1, seed: 3, clock, site: 'site-west-1', gpuAutoTickMs: 0 });
  });
  afterAll(async () => {
    await fleet.stop();
  });

  it('curtails a LuxOS miner and confirms it from the miner’s own reply', async () => {
    // Prepare
    const driver = new LuxosDriver();

    // Act
    const sent = await driver.setPowered(asic(), false);
    const readBack = await driver.readPowered(asic());
    const woken = await driver.setPowered(asic(), true);

    // Assess
    expect(sent).toEqual({ ok: true, value: undefined });
    expect(readBack).toEqual({ ok: true, value: false });
    expect(woken.ok).toBe(true);
    expect(fleet.miners[0]!.context.physics.isAwakeCommanded()).toBe(true);
  });

  it('logs on again when the miner has dropped the session, and adopts a session left open by a previous process', async () => {
    // Prepare: a first driver opens the session; a second (a restarted gateway) does not know it.
    const first = new LuxosDriver();
    await first.setPowered(asic(), true);
    const second = new LuxosDriver();

    // Act
    const adopted = await second.setPowered(asic(), false);
    clock.advanceMs(61_000); // LuxOS drops a session idle for a minute.
    const afterExpiry = await second.setPowered(asic(), true);

    // Assess
    expect(adopted.ok).toBe(true);
    expect(afterExpiry.ok).toBe(true);
  });

  it('reports a refused write as a device error naming the miner’s message', async () => {
    const reply = await request(asic(), 'curtail', 'nosession,sleep');
    expect(reply).toMatchObject({ ok: false, failure: { kind: 'device-error' } });
    if (!reply.ok) expect(reply.failure.detail).toMatch(/Invalid session ID/);
  });

  it.each([
    ['garbage', 'garbage-reply', 'this is not json\0'],
    ['a cut reply', 'partial-reply', '{"STATUS":[{"STATUS":"S","Code":11'],
    ['no reply', 'closed-without-reply', ''],
  ])('types %s as %s', async (_name, kind, reply) => {
    const peer = await fakeMiner(reply);
    try {
      const result = await request({ address: '127.0.0.1', port: peer.port }, 'summary');
      expect(result).toMatchObject({ ok: false, failure: { kind } });
    } finally {
      await peer.close();
    }
  });

  it('times out on a wedged miner and on a refused port', async () => {
    const miner = fleet.miners[1]!;
    miner.server.setFault({ kind: 'hang' });
    const hung = await request({ address: miner.server.host, port: miner.server.port }, 'summary', undefined, {
      timeoutMs: 150,
    });
    miner.server.setFault(null);
    const peer = await fakeMiner(undefined);
    const port = peer.port;
    await peer.close();
    const refused = await request({ address: '127.0.0.1', port }, 'summary');
    expect(hung).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'connection' } });
  });

  it('caps a GPU node at its minimum power limit and back through nvidia-smi over HTTP', async () => {
    const driver = new NvidiaSmiDriver(httpTransport());
    expect(await driver.setPowered(gpu(), false)).toEqual({ ok: true, value: undefined });
    expect(await driver.readPowered(gpu())).toEqual({ ok: true, value: false });
    expect(await driver.setPowered(gpu(), true)).toEqual({ ok: true, value: undefined });
    expect(await driver.readPowered(gpu())).toEqual({ ok: true, value: true });
  });

  it('runs an nvidia-smi command line (the simulator’s shim where there is no binary)', async () => {
    const driver = new NvidiaSmiDriver(
      execTransport({
        command: [
          process.execPath,
          '--import',
          'tsx',
          path.join(ROOT, 'sim/devices/nvidia-smi-shim.ts'),
          '--endpoint=http://{address}:{port}',
        ],
        timeoutMs: 20_000,
      }),
    );
    const reading = await driver.read(gpu());
    expect(reading).toMatchObject({ ok: true, value: { powered: true } });
    if (reading.ok) expect(reading.value.powerW).toBeGreaterThan(0);
  });

  it('reads the DCGM exporter of a GPU node', async () => {
    const samples = await readDcgmExporter(`http://${gpu().address}:${gpu().port}/metrics`);
    expect(samples).toHaveLength(8);
    expect(samples.every((s) => typeof s.powerW === 'number')).toBe(true);
  });
});
