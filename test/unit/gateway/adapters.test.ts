import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { BraiinsDriver } from '../../../iot-greengrass/adapters/asic/braiins-driver.js';
import { parseReply } from '../../../iot-greengrass/adapters/asic/cgminer-client.js';
import { mapWithConcurrency } from '../../../iot-greengrass/adapters/asic/fan-out.js';
import { readingFromReply } from '../../../iot-greengrass/adapters/asic/luxos-driver.js';
import type { GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import { parseDcgmMetrics } from '../../../iot-greengrass/adapters/gpu/dcgm-exporter.js';
import { nodeReading, parseGpuCsv } from '../../../iot-greengrass/adapters/gpu/nvidia-smi.js';
import { connectIpcPort, type IpcClientSubset } from '../../../iot-greengrass/adapters/messaging/greengrass-ipc.js';
import { topicMatches } from '../../../iot-greengrass/adapters/messaging/port.js';

describe('cgminer reply parsing', () => {
  it('turns STATUS E into a device error carrying the message', () => {
    const reply = parseReply('{"STATUS":[{"STATUS":"E","Code":314,"Msg":"Invalid session ID"}],"id":1}');
    expect(reply).toEqual({ ok: false, failure: { kind: 'device-error', detail: 'Invalid session ID', code: 314 } });
  });

  it('types garbage as garbage, never throws', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const reply = parseReply(text);
        if (!reply.ok) expect(['garbage-reply', 'device-error']).toContain(reply.failure.kind);
      }),
    );
    expect(parseReply('[1,2]')).toMatchObject({ ok: false, failure: { kind: 'garbage-reply' } });
  });

  it('reads power, state and hashrate from a summary+power reply', () => {
    const ok = (section: string, body: object) => [{ STATUS: [{ STATUS: 'S', Code: 1, Msg: '' }], [section]: [body] }];
    const reading = readingFromReply({
      summary: ok('SUMMARY', { 'MHS 5s': 200_000_000 }),
      power: ok('POWER', { Watts: 3500, State: 'hashing', CurtailMode: 'None' }),
    });
    expect(reading).toEqual({ ok: true, value: { powered: true, state: 'hashing', powerW: 3500, hashrateThs: 200 } });
  });
});

describe('fan-out', () => {
  it('never runs more than the limit at once and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([...Array(50).keys()], 7, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n % 3));
      running -= 1;
      return n * 2;
    });
    expect(peak).toBe(7);
    expect(out).toEqual([...Array(50).keys()].map((n) => n * 2));
  });
});

describe('nvidia-smi and DCGM parsing', () => {
  it('parses query rows and sums a node', () => {
    const rows = parseGpuCsv(
      '0, 650.12, 700.00, 200.00, 700.00, 87, 61234, 66\n1, 120.50, 200.00, 200.00, 700.00, 0, 512, 41\n',
    );
    expect(rows.ok).toBe(true);
    if (!rows.ok) return;
    const node = nodeReading(rows.value);
    expect(node).toMatchObject({ powered: false, powerW: 770.62, temperatureC: 66, state: 'serving', gpuCount: 2 });
  });

  it('refuses a row it cannot read rather than guessing', () => {
    expect(parseGpuCsv('0, [N/A], 700, 200, 700, 0, 0, 40')).toMatchObject({ ok: false });
    expect(parseGpuCsv('')).toMatchObject({ ok: false });
  });

  it('reads dcgm-exporter samples by GPU', () => {
    const text = [
      '# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).',
      'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",Hostname="n1"} 612.5',
      'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a"} 93',
      'DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b"} 88',
      'DCGM_FI_DEV_FB_FREE{gpu="1"} 1000',
    ].join('\n');
    expect(parseDcgmMetrics(text)).toEqual([
      { gpu: 0, powerW: 612.5, utilizationPct: 93 },
      { gpu: 1, powerW: 88 },
    ]);
  });
});

describe('Braiins OS+ power-target adapter against the recorded fixture', () => {
  const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'braiins-os-plus.json'), 'utf8')) as {
    exchanges: Array<{
      request: { method: string; path: string; body?: unknown };
      response: { status: number; body: unknown };
    }>;
  };
  const device: GatewayDevice = { id: 'm1', kind: 'asic', groupId: 'g', address: '10.0.0.5', port: 80 };

  it('logs in, sets the power target, pauses, reads back, re-logs in on 401 and resumes', async () => {
    // Prepare: replay the exchanges in order, checking each request the adapter makes.
    const seen: Array<{ method: string; path: string; auth?: string; body?: unknown }> = [];
    let next = 0;
    const replay = (async (url: string, init: RequestInit) => {
      const exchange = fixture.exchanges[next++]!;
      const { pathname } = new URL(url);
      const headers = init.headers as Record<string, string>;
      seen.push({
        method: init.method!,
        path: pathname,
        auth: headers.authorization,
        body: init.body && JSON.parse(String(init.body)),
      });
      expect({ method: init.method, path: pathname }).toEqual({
        method: exchange.request.method,
        path: exchange.request.path,
      });
      if (exchange.request.body !== undefined) expect(JSON.parse(String(init.body))).toEqual(exchange.request.body);
      return new Response(JSON.stringify(exchange.response.body), { status: exchange.response.status });
    }) as unknown as typeof fetch;
    const driver = new BraiinsDriver({ username: 'root', password: '1234', fetch: replay });

    // Act
    const target = await driver.setPowerTarget(device, 3730);
    const paused = await driver.setPowered(device, false);
    const whilePaused = await driver.readPowered(device);
    const resumed = await driver.setPowered(device, true);
    const reading = await driver.read(device);

    // Assess
    expect(target).toEqual({ ok: true, value: undefined });
    expect(paused.ok).toBe(true);
    expect(whilePaused).toEqual({ ok: true, value: false });
    expect(resumed.ok).toBe(true);
    expect(reading).toMatchObject({ ok: true, value: { powered: true, powerW: 3718 } });
    expect(next).toBe(fixture.exchanges.length);
    // The token goes bare in Authorization, and the fresh one replaces the lapsed one.
    expect(seen[1]!.auth).toBe('yK2Ed2Xc3xmaLm4D');
    expect(seen.at(-1)!.auth).toBe('Pq8Ws1Lm0aZx7Rt2');
  });
});

describe('Greengrass IPC messaging adapter', () => {
  function fakeClient() {
    const calls: Array<[string, unknown]> = [];
    const streams: Array<{ listener?: (m: unknown) => void; request: unknown }> = [];
    const stream = (request: unknown) => {
      const entry: { listener?: (m: unknown) => void; request: unknown } = { request };
      streams.push(entry);
      return {
        on: (_e: 'message', l: (m: unknown) => void) => {
          entry.listener = l;
        },
        activate: async () => undefined,
        close: async () => undefined,
      };
    };
    const client = {
      connect: async () => undefined,
      close: async () => undefined,
      publishToIoTCore: async (r: unknown) => calls.push(['publishToIoTCore', r]),
      publishToTopic: async (r: unknown) => calls.push(['publishToTopic', r]),
      subscribeToIoTCore: (r: unknown) => stream(r),
      subscribeToTopic: (r: unknown) => stream(r),
    } as unknown as IpcClientSubset;
    return { client, calls, streams };
  }

  it('maps cloud traffic to IoT Core operations and local traffic to local pub/sub', async () => {
    // Prepare
    const { client, calls, streams } = fakeClient();
    const port = await connectIpcPort(client);
    const got: Array<[string, string]> = [];

    // Act
    await port.publish('cloud', 'hcp/v1/sites/s1/acks', '{"a":1}', 1);
    await port.publish('local', 'hcp/v1/sites/s1/grid', '{"b":2}', 0);
    await port.subscribe('cloud', 'hcp/v1/sites/s1/commands', (t, p) => got.push([t, p.toString()]));
    await port.subscribe('local', 'hcp/v1/sites/s1/grid', (t, p) => got.push([t, p.toString()]));
    streams[0]!.listener!({ message: { topicName: 'hcp/v1/sites/s1/commands', payload: Buffer.from('cmd') } });
    streams[1]!.listener!({
      binaryMessage: { message: Buffer.from('sig'), context: { topic: 'hcp/v1/sites/s1/grid' } },
    });

    // Assess
    expect(calls).toEqual([
      ['publishToIoTCore', { topicName: 'hcp/v1/sites/s1/acks', qos: '1', payload: '{"a":1}' }],
      ['publishToTopic', { topic: 'hcp/v1/sites/s1/grid', publishMessage: { binaryMessage: { message: '{"b":2}' } } }],
    ]);
    expect(streams.map((s) => s.request)).toEqual([
      { topicName: 'hcp/v1/sites/s1/commands', qos: '1' },
      { topic: 'hcp/v1/sites/s1/grid' },
    ]);
    expect(got).toEqual([
      ['hcp/v1/sites/s1/commands', 'cmd'],
      ['hcp/v1/sites/s1/grid', 'sig'],
    ]);
  });

  it('matches MQTT wildcards', () => {
    expect(topicMatches('hcp/v1/sites/+/commands', 'hcp/v1/sites/a/commands')).toBe(true);
    expect(topicMatches('hcp/#', 'hcp/v1/x')).toBe(true);
    expect(topicMatches('hcp/v1/+', 'hcp/v1/a/b')).toBe(false);
  });
});
