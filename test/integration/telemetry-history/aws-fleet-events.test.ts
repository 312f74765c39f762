import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ack } from '../../../core/messages/ack.js';
import type { LocalSwitchEvent } from '../../../core/messages/local-switch.js';
import {
  FLEET_EVENT_COLUMNS,
  type FleetEventRecord,
  PARTITION_COLUMNS,
} from '../../../core/telemetry-history/records.js';
import { recordSwitchEvent } from '../../../functions/telemetry/switch-events.js';
import { fleetKpis } from '../../../functions/telemetry-history/history.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import type { SwitchRecord } from '../../../sim/platform/observer/event-log.js';
import { TelemetryRecorder } from '../../../sim/platform/telemetry-recorder.js';
import { CANARY_SCRIPT } from '../../../stacks/constructs/api-canary.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const LATENCIES_MS = [12, 18, 25, 31, 44, 58, 61, 77, 85, 96];

/** Gateway `i`'s messages: acks of executed commands (even i) and local switches (odd i), with their latencies. */
function gatewayMessages(): { acks: Ack[]; locals: LocalSwitchEvent[] } {
  const acks: Ack[] = [];
  const locals: LocalSwitchEvent[] = [];
  LATENCIES_MS.forEach((latencyMs, i) => {
    const at = iso(T0 + i * 60_000);
    if (i % 2 === 0)
      acks.push({
        commandId: `6f1c1f34-8d0e-4c55-9b8a-0a5b0b2c9a${String(10 + i)}`,
        siteId: 'site-west-1',
        seq: i + 1,
        status: 'executed',
        reason: 'ok',
        repeated: false,
        timings: { receivedAt: at, executedAt: at, executionMs: latencyMs },
      });
    else
      locals.push({
        type: 'local-switch',
        siteId: 'site-west-1',
        at,
        cause: 'grid:price',
        latencyMs,
        devices: { sent: 4, accepted: 4, ids: ['s21-a'] },
      });
  });
  return { acks, locals };
}

/** The canary's script, run as Synthetics would: its own `require` for the runtime's modules, Firehose captured. */
async function runCanary(env: Record<string, string>, sent: FleetEventRecord[]): Promise<void> {
  const module = { exports: {} as { handler?: () => Promise<void> } };
  const runtimeModules: Record<string, unknown> = {
    Synthetics: { executeStep: async (_name: string, step: () => Promise<void>) => step() },
    '@aws-sdk/client-firehose': {
      FirehoseClient: class {
        async send(command: { input: { DeliveryStreamName: string; Record: { Data: Uint8Array } } }) {
          expect(command.input.DeliveryStreamName).toBe(env.PROBE_STREAM);
          sent.push(JSON.parse(new TextDecoder().decode(command.input.Record.Data)));
        }
      },
      PutRecordCommand: class {
        constructor(readonly input: unknown) {}
      },
    },
  };
  const load = (name: string) => runtimeModules[name] ?? require(name);
  new Function('require', 'module', 'exports', 'process', CANARY_SCRIPT)(load, module, module.exports, {
    env,
    hrtime: process.hrtime,
  });
  await module.exports.handler?.();
}

describe('switches and API probes reach fleet_events in AWS as the local platform writes them (DuckDB)', () => {
  let root: string;
  let server: Server;
  let healthy = true;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'hcp-aws-events-'));
    server = createServer((request, response) => {
      response.writeHead(request.url === '/v1/health' && healthy ? 200 : 503).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  async function kpisOf(name: string, rows: readonly FleetEventRecord[]) {
    const store = await ParquetTelemetryStore.open(path.join(root, name));
    store.append('fleetEvents', rows);
    await store.flush();
    const kpis = await fleetKpis(store, { from: iso(T0), to: iso(T0 + 3_600_000), step: 3600, scenario: 'live' });
    await store.close();
    return kpis.window;
  }

  it('writes the switch rows the local recorder writes, and the same switch p50/p99', async () => {
    // Prepare: the local platform's view of the same switches (the observer's event log records).
    const { acks, locals } = gatewayMessages();
    const cloud: FleetEventRecord[] = [];
    const events = { put: async (rows: readonly FleetEventRecord[]) => void cloud.push(...rows) };
    const local: FleetEventRecord[] = [];
    const recorder = new TelemetryRecorder(
      { append: (_table, records) => void local.push(...(records as readonly FleetEventRecord[])) },
      new Map(),
    );
    const records: SwitchRecord[] = [
      ...acks.map((a) => ({
        at: a.timings.executedAt as string,
        siteId: a.siteId,
        source: 'gateway-ack' as const,
        cause: `command seq ${a.seq}`,
        outcome: 'executed',
        latencyMs: a.timings.executionMs as number,
      })),
      ...locals.map((e) => ({
        at: e.at,
        siteId: e.siteId,
        source: 'local' as const,
        cause: e.cause,
        outcome: 'executed',
        latencyMs: e.latencyMs,
      })),
    ];

    // Act: the cloud's writer, plus a receipt and a repeated ack it must ignore.
    for (const message of [...acks, ...locals]) expect(await recordSwitchEvent(message, { events })).toBe('recorded');
    const receipt = { ...acks[0]!, status: 'received' as const, timings: { receivedAt: iso(T0) } };
    expect(await recordSwitchEvent(receipt, { events })).toBe('ignored');
    expect(await recordSwitchEvent({ ...acks[0]!, repeated: true }, { events })).toBe('ignored');
    for (const record of records) recorder.switched(record);

    // Assess: row for row the same; the same KPI from either set on DuckDB, the quantiles of the ten latencies.
    const byTime = (a: FleetEventRecord, b: FleetEventRecord) => a.at_ms - b.at_ms;
    expect([...cloud].sort(byTime)).toEqual([...local].sort(byTime));
    const [aws, onMachine] = [await kpisOf('aws-switches', cloud), await kpisOf('local-switches', local)];
    expect(aws.switchP50Ms).toBeCloseTo((44 + 58) / 2, 9);
    expect(aws.switchP99Ms).toBeCloseTo(85 + 0.91 * (96 - 85), 9);
    expect([aws.switchP50Ms, aws.switchP99Ms]).toEqual([onMachine.switchP50Ms, onMachine.switchP99Ms]);
  });

  it('runs the canary against a real HTTP server: each probe a fleet_events row the API KPIs read', async () => {
    // Prepare
    const { port } = server.address() as AddressInfo;
    const env = { HEALTH_URL: `http://127.0.0.1:${port}/v1/health`, PROBE_STREAM: 'hcp-fleet-events' };
    const probes: FleetEventRecord[] = [];

    // Act: three healthy calls, then one the API fails (the run fails too, for the alarm).
    for (let i = 0; i < 3; i++) await runCanary(env, probes);
    healthy = false;
    await expect(runCanary(env, probes)).rejects.toThrow('GET /v1/health answered 503');

    // Assess: rows of exactly the table's columns; the KPIs read the probes' health and measured latency.
    expect(probes).toHaveLength(4);
    for (const row of probes)
      expect(Object.keys(row).sort()).toEqual(
        [...Object.keys(FLEET_EVENT_COLUMNS), ...Object.keys(PARTITION_COLUMNS)].sort(),
      );
    expect(probes.map((p) => [p.site, p.kind, p.source, p.ok])).toEqual([
      ...Array(3).fill(['_fleet', 'api-probe', 'canary', true]),
      ['_fleet', 'api-probe', 'canary', false],
    ]);
    expect(probes.every((p) => (p.latency_ms ?? -1) > 0 && p.latency_ms! < 10_000)).toBe(true);
    const shifted = probes.map((p, i) => ({ ...p, at_ms: T0 + i * 1000, day: iso(T0).slice(0, 10) }));
    const kpis = await kpisOf('aws-probes', shifted);
    const healthyLatencies = shifted
      .slice(0, 3)
      .map((p) => p.latency_ms!)
      .sort((a, b) => a - b);
    expect(kpis.apiUptime).toBeCloseTo(3 / 4, 12);
    expect(kpis.apiP50Ms).toBeCloseTo(healthyLatencies[1]!, 9);
  });
});
