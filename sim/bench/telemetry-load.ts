/**
 * `npm run bench:telemetry`: the gateway's telemetry path (poll → batch → disk spool → MQTT QoS 1 → broker →
 * subscriber) under 10,000 device metrics per second, counted by batch sequence number at the subscriber: a batch
 * missing, repeated or out of order, or a metric short, is a loss and fails the run (exit 1).
 *
 * Readings come from an in-process stand-in driver so the load lands on the telemetry path itself; device reads over
 * TCP are what `bench:devices` and `bench:gateway` measure. Each configuration runs twice: paced at the target rate
 * for `--seconds`, then flat out (polls back to back) for the path's ceiling. The baseline, in the same run, is a bare
 * mqtt.js client publishing the same batches to the same broker with QoS 1, one in flight, without agent or spool.
 *
 *   npm run bench:telemetry -- [--devices 5000] [--rate 10000] [--seconds 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import { siteTopic } from '../../core/messages/topics.js';
import type { DeviceDriver, GatewayDevice } from '../../iot-greengrass/adapters/device-port.js';
import { startGateway } from '../../iot-greengrass/gateway.js';
import { parseArgsOrExit } from '../cli/args.js';
import { startMqttBroker } from '../local/mqtt-broker.js';

const SITE = referenceFleet.sites[0]!;
/** AWS IoT Core's largest MQTT message (AWS IoT Core quotas: "Maximum size of a message payload", 128 KB). */
const IOT_CORE_MAX_PAYLOAD_BYTES = 128 * 1024;

const { values } = parseArgsOrExit({
  command: 'bench:telemetry',
  usage:
    'npm run bench:telemetry -- [--devices N] [--rate R] [--seconds S]\n\nThe telemetry path at a target metric rate.',
  flags: z.strictObject({
    devices: z.coerce.number().int().positive().default(5000),
    rate: z.coerce.number().positive().default(10_000),
    seconds: z.coerce.number().positive().default(10),
  }),
  help: { devices: 'devices polled', rate: ['R', 'target metrics per second'], seconds: ['S', 'length of each run'] },
});
const DEVICES = values.devices;
const TARGET_METRICS_PER_S = values.rate;
const SECONDS = values.seconds;

/** Every device answers at once with a plausible S21 reading: the load is the telemetry path's, not the LAN's. */
const standInDriver: DeviceDriver = {
  setPowered: async () => ({ ok: true, value: undefined }),
  readPowered: async () => ({ ok: true, value: true }),
  read: async () => ({
    ok: true,
    value: { powered: true, state: 'hashing', powerW: 3510, hashrateThs: 200.4, temperatureC: 61.5 },
  }),
};

const devices: GatewayDevice[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: `west-s21-a-${String(i + 1).padStart(5, '0')}`,
  kind: 'asic',
  groupId: 'west-s21-a',
  address: '192.0.2.1',
  port: 4028,
}));

interface Delivery {
  batches: number;
  metrics: number;
  bytesMax: number;
  inOrder: boolean;
  firstAtMs: number;
  lastAtMs: number;
}

interface RunResult {
  readonly name: string;
  readonly polls: number;
  readonly metricsSent: number;
  readonly delivered: Delivery;
  readonly metricsPerS: number;
  readonly lost: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runGateway(brokerUrl: string, maxMetricsPerBatch: number, paced: boolean): Promise<RunResult> {
  const name = `gateway, ${maxMetricsPerBatch}/batch, ${paced ? `paced at ${TARGET_METRICS_PER_S}/s` : 'flat out'}`;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-telemetry-'));
  const subscriber = await mqtt.connectAsync(brokerUrl, { clientId: `bench-sub-${process.pid}-${Date.now()}` });
  const delivered: Delivery = { batches: 0, metrics: 0, bytesMax: 0, inOrder: true, firstAtMs: 0, lastAtMs: 0 };
  subscriber.on('message', (_topic, payload) => {
    const batch = JSON.parse(payload.toString()) as TelemetryBatch;
    if (batch.batchSeq !== delivered.batches || batch.droppedBatches !== 0) delivered.inOrder = false;
    delivered.batches += 1;
    delivered.metrics += batch.metrics.length;
    delivered.bytesMax = Math.max(delivered.bytesMax, payload.length);
    delivered.lastAtMs = performance.now();
  });
  await subscriber.subscribeAsync(siteTopic(SITE.id, 'telemetry'), { qos: 1 });
  const gateway = await startGateway({
    siteId: SITE.id,
    brokerUrl,
    devices,
    driver: standInDriver,
    stateDir,
    autoTick: false,
    config: { telemetry: { maxMetricsPerBatch, concurrency: 4096 } },
  });
  try {
    const periodMs = (DEVICES / TARGET_METRICS_PER_S) * 1000;
    const startedMs = performance.now();
    delivered.firstAtMs = startedMs;
    let polls = 0;
    while (performance.now() - startedMs < SECONDS * 1000) {
      const pollStartedMs = performance.now();
      await gateway.pollTelemetry();
      polls += 1;
      if (paced) await sleep(Math.max(0, periodMs - (performance.now() - pollStartedMs)));
      else await gateway.telemetry.flush();
    }
    await gateway.telemetry.flush();
    const expectedBatches = gateway.state().telemetry.nextBatchSeq;
    const deadline = Date.now() + 30_000;
    while (delivered.batches < expectedBatches && Date.now() < deadline) await sleep(5);
    const metricsSent = polls * DEVICES;
    const seconds = (delivered.lastAtMs - delivered.firstAtMs) / 1000;
    return {
      name,
      polls,
      metricsSent,
      delivered,
      metricsPerS: delivered.metrics / seconds,
      lost: metricsSent - delivered.metrics + (delivered.batches === expectedBatches && delivered.inOrder ? 0 : 1),
    };
  } finally {
    await gateway.stop();
    await subscriber.endAsync(true);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The floor: the same batches from a bare client, QoS 1, one in flight, no agent and no spool. */
async function runBaseline(brokerUrl: string, maxMetricsPerBatch: number): Promise<RunResult> {
  const topic = `bench/baseline/${maxMetricsPerBatch}`;
  const reading = await standInDriver.read(devices[0]!);
  if (!reading.ok) throw new Error('stand-in driver failed');
  const at = new Date().toISOString();
  const metrics = devices.slice(0, maxMetricsPerBatch).map((d) => ({
    deviceId: d.id,
    groupId: d.groupId,
    kind: d.kind,
    at,
    state: reading.value.state,
    powerW: reading.value.powerW,
    hashrateThs: reading.value.hashrateThs,
    temperatureC: reading.value.temperatureC,
  }));
  const subscriber = await mqtt.connectAsync(brokerUrl, { clientId: `bench-base-sub-${process.pid}-${Date.now()}` });
  const publisher = await mqtt.connectAsync(brokerUrl, { clientId: `bench-base-pub-${process.pid}-${Date.now()}` });
  const delivered: Delivery = { batches: 0, metrics: 0, bytesMax: 0, inOrder: true, firstAtMs: 0, lastAtMs: 0 };
  subscriber.on('message', (_topic, payload) => {
    const batch = JSON.parse(payload.toString()) as TelemetryBatch;
    if (batch.batchSeq !== delivered.batches) delivered.inOrder = false;
    delivered.batches += 1;
    delivered.metrics += batch.metrics.length;
    delivered.bytesMax = Math.max(delivered.bytesMax, payload.length);
    delivered.lastAtMs = performance.now();
  });
  await subscriber.subscribeAsync(topic, { qos: 1 });
  try {
    const startedMs = performance.now();
    delivered.firstAtMs = startedMs;
    let sent = 0;
    for (let seq = 0; performance.now() - startedMs < SECONDS * 1000; seq++) {
      const batch = { siteId: SITE.id, gatewayId: 'bench', batchSeq: seq, sentAt: at, sitePowerKw: 0, metrics };
      await publisher.publishAsync(topic, JSON.stringify(batch), { qos: 1 });
      sent += metrics.length;
    }
    const deadline = Date.now() + 30_000;
    while (delivered.metrics < sent && Date.now() < deadline) await sleep(5);
    return {
      name: `bare mqtt.js publish, ${maxMetricsPerBatch}/batch (baseline)`,
      polls: 0,
      metricsSent: sent,
      delivered,
      metricsPerS: delivered.metrics / ((delivered.lastAtMs - delivered.firstAtMs) / 1000),
      lost: sent - delivered.metrics + (delivered.inOrder ? 0 : 1),
    };
  } finally {
    await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
  }
}

const broker = await startMqttBroker();
const results: RunResult[] = [];
try {
  // The contract's largest batch (5000 metrics), and one that fits IoT Core's 128 KB message limit.
  for (const perBatch of [5000, 400]) {
    results.push(await runGateway(broker.url, perBatch, true));
    results.push(await runGateway(broker.url, perBatch, false));
    results.push(await runBaseline(broker.url, perBatch));
  }
} finally {
  await broker.stop();
}

console.log(`${DEVICES} devices, target ${TARGET_METRICS_PER_S} metrics/s, ${SECONDS} s per run\n`);
console.log(`${'run'.padEnd(48)} ${'metrics/s'.padStart(10)} ${'batches'.padStart(8)} ${'max KB'.padStart(7)} lost`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(48)} ${r.metricsPerS.toFixed(0).padStart(10)} ${String(r.delivered.batches).padStart(8)} ${(
      r.delivered.bytesMax / 1024
    )
      .toFixed(0)
      .padStart(7)} ${r.lost}`,
  );
}
for (const perBatch of [5000, 400]) {
  const flatOut = results.find((r) => r.name.includes(`${perBatch}/batch, flat out`))!;
  const baseline = results.find((r) => r.name.includes(`${perBatch}/batch (baseline)`))!;
  console.log(
    `flat-out gateway / baseline at ${perBatch}/batch: ${(flatOut.metricsPerS / baseline.metricsPerS).toFixed(2)}×`,
  );
}
const oversized = results.filter((r) => r.delivered.bytesMax > IOT_CORE_MAX_PAYLOAD_BYTES);
if (oversized.length > 0) {
  console.log(
    `note: ${oversized.map((r) => `${(r.delivered.bytesMax / 1024).toFixed(0)} KB`).join(', ')} batches exceed IoT Core's 128 KB message limit`,
  );
}
const lossy = results.filter((r) => r.lost !== 0);
console.log(
  JSON.stringify({
    devices: DEVICES,
    targetMetricsPerS: TARGET_METRICS_PER_S,
    runs: results.map((r) => ({
      name: r.name,
      metricsPerS: Math.round(r.metricsPerS),
      batches: r.delivered.batches,
      maxBatchBytes: r.delivered.bytesMax,
      lost: r.lost,
    })),
  }),
);
if (lossy.length > 0) {
  console.error(`LOSS in: ${lossy.map((r) => r.name).join('; ')}`);
  process.exit(1);
}
