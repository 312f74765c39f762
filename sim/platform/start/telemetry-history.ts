import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useLocalTelemetryHistory } from '../../../functions/api/telemetry/sources.js';
import { switchAgentConfigSchema } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/config.js';
import { ParquetTelemetryStore } from '../../local/telemetry-store.js';
import type { PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import { TelemetryRecorder } from '../telemetry-recorder.js';
import type { Stops } from './stops.js';

/** Real time between writes of the buffered records (one Parquet file per table and site-day each time). */
export const HISTORY_FLUSH_REAL_MS = 5_000;
/** Real time between the API prober's calls (the local stand-in for the CloudWatch Synthetics canary). */
export const API_PROBE_REAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * The simulated gateways' heartbeat period in simulated time: the SwitchAgent offers its status (every
 * `statusPeriodMs` of its clock, the simulated one) only on its ticks (`tickMs` of real time), so at `speed` times
 * real time a status comes once a tick at best (250 ms real is 60 simulated seconds at speed 240): that period is
 * the uptime's slot, or a healthy gateway would show half its slots silent.
 */
export function simulatedHeartbeatPeriodMs(speed: number): number {
  const { statusPeriodMs, tickMs } = switchAgentConfigSchema.shape;
  return Math.max(statusPeriodMs.parse(undefined), tickMs.parse(undefined) * speed);
}

export interface TelemetryHistory {
  readonly store: ParquetTelemetryStore;
  readonly recorder: TelemetryRecorder;
}

/**
 * Step 5a, before the observer: the telemetry history's Parquet store (`DIR/telemetry` with `--data`, else a
 * temporary directory) and the recorder the observer hands what it reads; the history API reads the same store.
 */
export async function openTelemetryHistory(
  o: { readonly options: PlatformOptions; readonly unitsPerDevice: ReadonlyMap<string, number> },
  stops: Stops,
): Promise<TelemetryHistory> {
  const root = o.options.data
    ? path.join(o.options.data, 'telemetry')
    : mkdtempSync(path.join(tmpdir(), 'hcp-telemetry-'));
  const store = await ParquetTelemetryStore.open(root, {
    flushEveryRealMs: HISTORY_FLUSH_REAL_MS,
    heartbeatPeriodMs: simulatedHeartbeatPeriodMs(o.options.speed),
  });
  useLocalTelemetryHistory(store);
  stops.push(async () => {
    useLocalTelemetryHistory(undefined);
    await store.close();
  });
  return { store, recorder: new TelemetryRecorder(store, o.unitsPerDevice) };
}

/**
 * Step 7b, once the API listens: the prober calls `GET /v1/health` every API_PROBE_REAL_MS, as the Synthetics canary
 * does in AWS, and records each call's health and real latency: the KPIs' API uptime and p50/p99.
 */
export function startApiProber(
  o: { readonly apiUrl: string; readonly clock: SimClock; readonly recorder: TelemetryRecorder },
  stops: Stops,
): void {
  const probe = async () => {
    const atMs = o.clock.nowMs();
    const started = performance.now();
    const ok = await fetch(`${o.apiUrl}/v1/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.ok;
      },
      () => false,
    );
    o.recorder.apiProbe(atMs, performance.now() - started, ok);
  };
  const timer = setInterval(() => void probe(), API_PROBE_REAL_MS);
  stops.push(async () => clearInterval(timer));
}
