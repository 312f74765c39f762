import {
  type FleetKpiFigures,
  type FleetKpis,
  type FleetKpisQuery,
  SEED_KPI_TARGETS,
  type SiteTelemetry,
  type SiteTelemetryQuery,
} from '../../core/api/telemetry-history.js';
import {
  fleetEventKpisSql,
  fleetPowerKpisSql,
  gatewayUptimeSql,
  type QueryWindow,
  siteBatchesSql,
  siteSeriesSql,
} from '../../core/telemetry-history/queries.js';
import { mergeRegionBatches, seriesOfBatches } from '../../core/telemetry-history/region-merge.js';
import { gatewayUptime, type UptimeFigure } from '../../core/telemetry-history/uptime.js';
import type { QueryRow, TelemetryQueryRunner } from './ports.js';

/** Gateways send their status every 30 s (SwitchAgent `statusPeriodMs` default): the uptime's slot. */
export const HEARTBEAT_PERIOD_MS = 30_000;

/** A figure of a row, whichever way the engine gave it (number, bigint, numeric string); null stays null. */
export function figureOf(row: QueryRow | undefined, column: string): number | null {
  const value = row?.[column];
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function windowOf(q: { from: string; to: string; step: number; scenario: string }): QueryWindow {
  return { fromMs: Date.parse(q.from), toMs: Date.parse(q.to), stepMs: q.step * 1000, scenario: q.scenario };
}

/** One site's series of `q.metric`: the bucket's start as `at`, the other columns by their camelCase names. */
export async function siteTelemetry(
  runner: TelemetryQueryRunner,
  siteId: string,
  q: SiteTelemetryQuery,
): Promise<SiteTelemetry> {
  const rows = await runner.query(siteSeriesSql(runner.dialect, runner.tables, siteId, q.metric, windowOf(q)));
  return siteTelemetryOf(siteId, q, rows);
}

/**
 * One site's series across regions (core/telemetry-history/region-merge.ts): each region's batches in the window,
 * each batch once, aggregated per bucket as one region's query would. With one runner, that region's query. The
 * group-states metric reads device samples, which stay per region: it is answered by the first (home) region.
 */
export async function mergedSiteTelemetry(
  runners: readonly TelemetryQueryRunner[],
  siteId: string,
  q: SiteTelemetryQuery,
): Promise<SiteTelemetry> {
  const [home] = runners;
  if (!home) throw new RangeError('no telemetry store to query');
  if (runners.length === 1 || q.metric === 'group-states') return siteTelemetry(home, siteId, q);
  const w = windowOf(q);
  const regions = await Promise.all(runners.map((r) => r.query(siteBatchesSql(r.tables, siteId, w))));
  return siteTelemetryOf(siteId, q, seriesOfBatches(mergeRegionBatches(regions), q.metric));
}

function siteTelemetryOf(siteId: string, q: SiteTelemetryQuery, rows: readonly QueryRow[]): SiteTelemetry {
  const points = rows.map((row) => {
    const point: SiteTelemetry['points'][number] = { at: new Date(figureOf(row, 'bucket_ms') ?? 0).toISOString() };
    for (const [column, value] of Object.entries(row)) {
      if (column === 'bucket_ms') continue;
      point[camel(column)] = typeof value === 'string' && Number.isNaN(Number(value)) ? value : figureOf(row, column);
    }
    return point;
  });
  return { siteId, metric: q.metric, scenario: q.scenario, from: q.from, to: q.to, stepSeconds: q.step, points };
}

/** The KPI figures of one bucket from its rows and uptime (any may be missing: no data, null figures). */
function figures(
  power: QueryRow | undefined,
  events: QueryRow | undefined,
  uptime: UptimeFigure | undefined,
): FleetKpiFigures {
  return {
    powerUtilisation: figureOf(power, 'power_utilisation'),
    gpuUtilisation: figureOf(power, 'gpu_utilisation'),
    gatewayUptime: uptime?.uptime ?? null,
    apiUptime: figureOf(events, 'api_uptime'),
    revenueUsdPerGpuMonth: figureOf(power, 'revenue_usd_per_gpu_month'),
    fleetJPerTh: figureOf(power, 'fleet_j_per_th'),
    energyCostUsdPerThDay: figureOf(power, 'energy_cost_usd_per_th_day'),
    switchP50Ms: figureOf(events, 'switch_p50_ms'),
    switchP99Ms: figureOf(events, 'switch_p99_ms'),
    apiP50Ms: figureOf(events, 'api_p50_ms'),
    apiP99Ms: figureOf(events, 'api_p99_ms'),
  };
}

async function kpiRows(runner: TelemetryQueryRunner, w: QueryWindow) {
  const { dialect, tables } = runner;
  const [power, events] = await Promise.all([
    runner.query(fleetPowerKpisSql(dialect, tables, w)),
    runner.query(fleetEventKpisSql(dialect, tables, w)),
  ]);
  const byBucket = (rows: readonly QueryRow[]) => new Map(rows.map((r) => [figureOf(r, 'bucket_ms'), r]));
  return { power: byBucket(power), events: byBucket(events) };
}

/** The gateway uptime per step and over the window, from one query (core/telemetry-history/uptime.ts: the definition). */
async function uptimeOf(runner: TelemetryQueryRunner, w: QueryWindow) {
  const periodMs = runner.heartbeatPeriodMs ?? HEARTBEAT_PERIOD_MS;
  const rows = await runner.query(gatewayUptimeSql(runner.dialect, runner.tables, w, periodMs));
  const heard = rows.map((row) => ({
    site: String(row.site),
    bucketMs: figureOf(row, 'bucket_ms') ?? 0,
    heardSlots: figureOf(row, 'heard_slots') ?? 0,
    firstSlotMs: figureOf(row, 'first_slot_ms') ?? 0,
  }));
  return gatewayUptime(heard, w, periodMs);
}

/**
 * The fleet's KPIs over the window and per step: the power and event queries run once with the whole window as one
 * bucket (so percentiles are over every sample) and once at the step; the uptime once, its window figure the sum of
 * its buckets'. A bucket with no data at all is left out; a bucket in which no gateway was heard, after one was, is a
 * point with uptime 0.
 */
export async function fleetKpis(runner: TelemetryQueryRunner, q: FleetKpisQuery): Promise<FleetKpis> {
  const w = windowOf(q);
  const [whole, stepped, uptime] = await Promise.all([
    kpiRows(runner, { ...w, stepMs: w.toMs - w.fromMs }),
    kpiRows(runner, w),
    uptimeOf(runner, w),
  ]);
  const buckets = [...new Set([...stepped.power.keys(), ...stepped.events.keys(), ...uptime.buckets.keys()])]
    .filter((b): b is number => b !== null)
    .sort((a, b) => a - b);
  return {
    scenario: q.scenario,
    from: q.from,
    to: q.to,
    stepSeconds: q.step,
    window: figures(whole.power.get(w.fromMs), whole.events.get(w.fromMs), uptime.window),
    points: buckets.map((b) => ({
      at: new Date(b).toISOString(),
      ...figures(stepped.power.get(b), stepped.events.get(b), uptime.buckets.get(b)),
    })),
    targets: SEED_KPI_TARGETS,
  };
}
