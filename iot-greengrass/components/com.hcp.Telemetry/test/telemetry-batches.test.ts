import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { type TelemetryBatch, telemetryBatchSchema } from '../../../../core/messages/telemetry.js';
import { fixedClock } from '../../../../core/support/clock.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import { type TelemetryConfigInput, telemetryConfigSchema } from '../src/config.js';
import type { SpoolFs } from '../src/spool.js';
import { TelemetryAgent } from '../src/telemetry-agent.js';

/** AWS IoT Core's payload limit for one MQTT message. */
const IOT_CORE_MAX_MESSAGE_BYTES = 128 * 1024;

/** Every device answers at once: S21s hashing, and GPU nodes serving with every optional field. */
const driver: DeviceDriver = {
  setPowered: async () => ({ ok: true, value: undefined }),
  readPowered: async () => ({ ok: true, value: true }),
  read: async (device) => ({
    ok: true,
    value:
      device.kind === 'asic'
        ? { powered: true, state: 'hashing', powerW: 3510, hashrateThs: 200.4, temperatureC: 61.5 }
        : {
            powered: true,
            state: 'serving',
            powerW: 10_200,
            utilizationPct: 87.5,
            temperatureC: 71,
            memoryUsedMb: 71_680,
          },
  }),
};

const devicesOf = (count: number): GatewayDevice[] =>
  Array.from({ length: count }, (_, i) => {
    const kind = i % 10 === 9 ? 'gpu' : 'asic';
    return {
      id: `west-${kind === 'asic' ? 's21-a' : 'h100-a'}-${String(i + 1).padStart(5, '0')}`,
      kind,
      groupId: kind === 'asic' ? 'west-s21-a' : 'west-h100-a',
      address: '192.0.2.1',
      port: 4028,
    };
  });

/** A cloud link that is up and acknowledges every publish, keeping what was sent. */
function recordingMessaging(): MessagingPort & { readonly payloads: string[] } {
  const payloads: string[] = [];
  return {
    payloads,
    publish: async (_channel, _topic, payload) => void payloads.push(payload),
    subscribe: async () => undefined,
    isConnected: () => true,
    onConnectionChange: () => () => undefined,
    close: async () => undefined,
  };
}

describe('telemetry batches', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-telemetry-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function pollOnce(deviceCount: number, config: Partial<TelemetryConfigInput> = {}) {
    const messaging = recordingMessaging();
    const agent = new TelemetryAgent({
      config: telemetryConfigSchema.parse({ siteId: 'site-west-1', gatewayId: 'gw-west-1', ...config }),
      devices: devicesOf(deviceCount),
      driver,
      messaging,
      clock: fixedClock(Date.parse('2026-11-29T03:00:00Z')),
      spoolDir: mkdtempSync(path.join(dir, 'spool-')),
    });
    agent.start({ autoPoll: false });
    await agent.poll();
    await agent.flush();
    await agent.stop();
    return { payloads: messaging.payloads, view: agent.view() };
  }

  function expectWholeAndContiguous(payloads: readonly string[], deviceCount: number, maxBytes: number): void {
    const batches = payloads.map((p) => telemetryBatchSchema.parse(JSON.parse(p)) as TelemetryBatch);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(maxBytes);
    expect(batches.map((b) => b.batchSeq)).toEqual(batches.map((_, i) => i));
    const deviceIds = batches.flatMap((b) => b.metrics.map((m) => m.deviceId));
    expect(deviceIds).toHaveLength(deviceCount);
    expect(new Set(deviceIds).size).toBe(deviceCount);
  }

  it('sends a 10,000-metric poll with the defaults as messages under 128 KB, none lost, numbered contiguously', async () => {
    // Act
    const { payloads, view } = await pollOnce(10_000);

    // Assess
    expectWholeAndContiguous(payloads, 10_000, IOT_CORE_MAX_MESSAGE_BYTES);
    expect(payloads).toHaveLength(25);
    expect(view).toMatchObject({ spooled: 0, droppedBatches: 0, published: 25, nextBatchSeq: 25 });
  });

  it('splits batches of the contract maximum (5000 metrics, ~845 KB) by bytes', async () => {
    // Act
    const { payloads } = await pollOnce(10_000, { maxMetricsPerBatch: 5000 });

    // Assess: each 5000-metric slice halved three times; every message fits the default 120 KB.
    expectWholeAndContiguous(payloads, 10_000, 120 * 1024);
    expect(payloads).toHaveLength(16);
  });

  it('keeps every message within maxBatchBytes and every metric once, whatever the limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 4 * 1024, max: 128 * 1024 }),
        async (deviceCount, maxMetricsPerBatch, maxBatchBytes) => {
          // Act
          const { payloads } = await pollOnce(deviceCount, { maxMetricsPerBatch, maxBatchBytes });

          // Assess: an empty poll still sends one (empty) batch, the site's heartbeat of power.
          expectWholeAndContiguous(payloads, deviceCount, maxBatchBytes);
          if (deviceCount === 0) expect(payloads).toHaveLength(1);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('telemetry on a full disk', () => {
  it('drops the batch a full disk refuses, counts it, stays alive, and leaves no gap in batch numbers', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-telemetry-enospc-'));
    let full = false;
    const disk = {
      ...nodeFs,
      writeFileSync: (file: nodeFs.PathOrFileDescriptor, data: string) => {
        if (full && String(file).endsWith('.json')) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        nodeFs.writeFileSync(file, data);
      },
    } as SpoolFs;
    const messaging = recordingMessaging();
    const agent = new TelemetryAgent({
      config: telemetryConfigSchema.parse({ siteId: 'site-west-1', gatewayId: 'gw-west-1' }),
      devices: devicesOf(3),
      driver,
      messaging,
      clock: fixedClock(Date.parse('2026-11-29T03:00:00Z')),
      spoolDir: dir,
      spoolFs: disk,
    });
    agent.start({ autoPoll: false });

    // Act
    await agent.poll();
    full = true;
    await agent.poll();
    full = false;
    await agent.poll();
    await agent.flush();
    await agent.stop();

    // Assess
    const seqs = messaging.payloads.map((p) => (JSON.parse(p) as TelemetryBatch).batchSeq);
    expect(seqs).toEqual([0, 1]);
    expect(agent.view()).toMatchObject({ droppedOnWriteError: 1, nextBatchSeq: 2 });
    rmSync(dir, { recursive: true, force: true });
  });
});
