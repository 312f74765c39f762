import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type FleetKpiFigures, SEED_KPI_TARGETS } from '../../core/api/telemetry-history.js';
import { literal } from '../../core/telemetry-history/queries.js';
import { figureOf, fleetKpis } from '../../functions/telemetry-history/history.js';
import { type CliSpec, runCli, UsageError } from '../cli/args.js';
import { ParquetTelemetryStore } from '../local/telemetry-store.js';
import { DEFAULT_SPEED } from '../platform/options.js';
import { simulatedHeartbeatPeriodMs } from '../platform/start/telemetry-history.js';

const kpiFlags = z.strictObject({
  data: z.string().min(1),
  scenario: z.string().min(1).default('live'),
  /** Hours per printed point. */
  stepHours: z.coerce.number().int().min(1).max(168).default(6),
  /** The run's `--speed`: it sets the gateways' heartbeat period in simulated time, the uptime's slot. */
  speed: z.coerce.number().finite().min(1).max(3600).default(DEFAULT_SPEED),
});

const kpiCli: CliSpec<typeof kpiFlags> = {
  command: 'kpis',
  usage:
    'npm run kpis -- --data DIR [--scenario NAME] [--step-hours N] [--speed N]\n\nThe fleet KPIs of the telemetry history an `npm start -- --data DIR` run wrote (DIR/telemetry), over all of it, against the seed’s targets.',
  flags: kpiFlags,
  help: {
    data: ['DIR', 'the data directory of the `npm start` run (its telemetry history is DIR/telemetry)'],
    scenario: ['NAME', '`live` (the platform) or a backtest strategy'],
    stepHours: 'hours per point of the per-step table',
    speed: ['N', 'the `npm start` run’s --speed (the gateways’ heartbeat period in simulated time, for the uptime)'],
  },
};

type Verdict = 'met' | 'missed' | 'no data';

/** Each seed target against the measured figure: > for utilisation and revenue, ≥ for uptime, < for latency. */
function verdicts(
  w: FleetKpiFigures,
): Array<{ kpi: string; measured: number | null; target: string; verdict: Verdict }> {
  const t = SEED_KPI_TARGETS;
  const row = (kpi: string, measured: number | null, target: string, met: (v: number) => boolean) => ({
    kpi,
    measured,
    target,
    verdict: (measured === null ? 'no data' : met(measured) ? 'met' : 'missed') as Verdict,
  });
  return [
    row('site power utilisation', w.powerUtilisation, `> ${t.powerUtilisation}`, (v) => v > t.powerUtilisation),
    row(
      'GPU utilisation (serving/powered)',
      w.gpuUtilisation,
      `> ${t.powerUtilisation}`,
      (v) => v > t.powerUtilisation,
    ),
    row('gateway uptime', w.gatewayUptime, `≥ ${t.gatewayUptime}`, (v) => v >= t.gatewayUptime),
    row('API uptime (prober)', w.apiUptime, `≥ ${t.apiUptime}`, (v) => v >= t.apiUptime),
    row(
      'revenue per GPU per month (USD)',
      w.revenueUsdPerGpuMonth,
      `> ${t.revenueUsdPerGpuMonth}`,
      (v) => v > t.revenueUsdPerGpuMonth,
    ),
    row('switch p50 (ms)', w.switchP50Ms, `< ${t.switchP99Ms}`, (v) => v < t.switchP99Ms),
    row('switch p99 (ms)', w.switchP99Ms, `< ${t.switchP99Ms}`, (v) => v < t.switchP99Ms),
    row('API p50 (ms)', w.apiP50Ms, `< ${t.apiP50Ms}`, (v) => v < t.apiP50Ms),
    row('API p99 (ms)', w.apiP99Ms, '(none)', () => true),
    row('fleet J/TH (facility)', w.fleetJPerTh, '(none)', () => true),
    row('energy cost (USD per TH/s-day)', w.energyCostUsdPerThDay, '(none)', () => true),
  ];
}

async function main(values: z.output<typeof kpiFlags>): Promise<void> {
  const root = path.join(values.data, 'telemetry');
  if (!existsSync(root)) throw new UsageError(`--data: no telemetry history in ${root}`);
  const store = await ParquetTelemetryStore.open(root, { heartbeatPeriodMs: simulatedHeartbeatPeriodMs(values.speed) });
  try {
    const [span] = await store.query(
      `SELECT MIN(at_ms) AS first_ms, MAX(at_ms) AS last_ms FROM ${store.tables.siteSeries} WHERE scenario = ${literal(values.scenario)}`,
    );
    const firstMs = figureOf(span, 'first_ms');
    const lastMs = figureOf(span, 'last_ms');
    if (firstMs === null || lastMs === null)
      throw new UsageError(`--data: no ${values.scenario} site series in ${root}`);
    const stepMs = values.stepHours * 3_600_000;
    const q = {
      from: new Date(firstMs).toISOString(),
      to: new Date(lastMs + 1).toISOString(),
      step: stepMs / 1000,
      scenario: values.scenario,
    };
    const kpis = await fleetKpis(store, q);
    console.log(
      `telemetry history ${root}: ${q.from} → ${q.to} (${((lastMs - firstMs) / 3_600_000).toFixed(2)} simulated hours)`,
    );
    console.table(verdicts(kpis.window));
    console.table(
      kpis.points.map((p) => ({
        at: p.at,
        util: p.powerUtilisation,
        gpuUtil: p.gpuUtilisation,
        gwUptime: p.gatewayUptime,
        apiUptime: p.apiUptime,
        usdPerGpuMonth: p.revenueUsdPerGpuMonth,
        switchP99: p.switchP99Ms,
        apiP50: p.apiP50Ms,
      })),
    );
  } finally {
    await store.close();
  }
}

runCli(kpiCli, main);
