import { installedGpus } from '../gpu/capacity.js';
import { type DeviceMetric, type DeviceState, deviceStateSchema, type TelemetryBatch } from '../messages/telemetry.js';
import type { MarketSnapshot } from '../model/market.js';
import { type Site, siteCapKw } from '../model/site.js';
import type { SiteTelemetrySummary } from '../telemetry/site-summary.js';
import type { Accrual, EarningLoad } from './accrual.js';

/**
 * The rows of the telemetry history, one shape for every store: the local platform's Parquet files (DuckDB), the
 * AWS sink's Iceberg tables (Athena) and the backtest's output. Every table is partitioned Hive-style by `site` and
 * `day` (`site=…/day=YYYY-MM-DD`, UTC); instants are epoch milliseconds (`at_ms`), so a step bucket is plain integer
 * arithmetic that DuckDB and Athena compute alike. `scenario` is `live` for a running platform and the strategy's
 * name in a backtest (item 5 of #27): the same queries read both.
 *
 * Column names are snake_case: Athena folds identifiers to lower case.
 */
export type ColumnType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN';

/** The partition columns, last in every table (Hive layout: directories, not file columns). */
export const PARTITION_COLUMNS = { site: 'VARCHAR', day: 'VARCHAR' } as const satisfies Record<string, ColumnType>;

export const LIVE_SCENARIO = 'live';

/** Device states counted per site record, as `devices_<state>` columns: every state of the contract. */
export const COUNTED_STATES = deviceStateSchema.options;

/**
 * One telemetry batch of a site as the ingest reads it (core/telemetry/site-summary.ts, at the site's meter: PUE
 * applied), with the limit it ran under, the prices in force and the money made and spent since the site's previous
 * batch (held power × hours × prices, as the observer accrues it), so a window's sums are its revenue and cost.
 */
export const SITE_SERIES_COLUMNS = {
  scenario: 'VARCHAR',
  gateway_id: 'VARCHAR',
  batch_seq: 'BIGINT',
  at_ms: 'BIGINT',
  /** The gateway's own total of the poll (devices' draw, not scaled). */
  site_power_kw: 'DOUBLE',
  limit_kw: 'DOUBLE',
  asic_kw: 'DOUBLE',
  gpu_kw: 'DOUBLE',
  curtailed_kw: 'DOUBLE',
  hashrate_ths: 'DOUBLE',
  busy_gpus: 'DOUBLE',
  serving_gpus: 'DOUBLE',
  /** GPUs drawing power (serving or idle), scaled to the site model. */
  powered_gpus: 'DOUBLE',
  installed_gpus: 'DOUBLE',
  price_usd_per_mwh: 'DOUBLE',
  hashprice_usd_per_th_day: 'DOUBLE',
  gpu_spot_usd_per_gpu_hour: 'DOUBLE',
  /** Simulated hours since the site's previous batch that the money below covers (0: none accrued). */
  accrued_hours: 'DOUBLE',
  mining_usd: 'DOUBLE',
  inference_usd: 'DOUBLE',
  energy_cost_usd: 'DOUBLE',
  ...(Object.fromEntries(COUNTED_STATES.map((s) => [`devices_${s}`, 'BIGINT'])) as Record<
    `devices_${(typeof COUNTED_STATES)[number]}`,
    'BIGINT'
  >),
} as const satisfies Record<string, ColumnType>;

/** One device sample, as the gateway sent it, with the site-model units it stands for (1 in a real fleet). */
export const DEVICE_SERIES_COLUMNS = {
  scenario: 'VARCHAR',
  at_ms: 'BIGINT',
  device_id: 'VARCHAR',
  group_id: 'VARCHAR',
  kind: 'VARCHAR',
  state: 'VARCHAR',
  power_w: 'DOUBLE',
  hashrate_ths: 'DOUBLE',
  utilization_pct: 'DOUBLE',
  temperature_c: 'DOUBLE',
  gpu_count: 'BIGINT',
  units: 'DOUBLE',
} as const satisfies Record<string, ColumnType>;

/**
 * Fleet events with a latency or an outcome: gateway heartbeats (uptime), switches (latency from signal or command to
 * the devices), the API prober's calls (the canary: its health and latency). Fleet-wide events use site `_fleet`.
 */
export const FLEET_EVENT_COLUMNS = {
  scenario: 'VARCHAR',
  at_ms: 'BIGINT',
  kind: 'VARCHAR',
  source: 'VARCHAR',
  latency_ms: 'DOUBLE',
  ok: 'BOOLEAN',
} as const satisfies Record<string, ColumnType>;

export const FLEET_SITE = '_fleet';
export const EVENT_KINDS = ['heartbeat', 'switch', 'api-probe'] as const;
export type FleetEventKind = (typeof EVENT_KINDS)[number];

type Row<C extends Record<string, ColumnType>> = {
  readonly [K in keyof C]: C[K] extends 'VARCHAR'
    ? string
    : C[K] extends 'BOOLEAN'
      ? boolean
      : C[K] extends 'BIGINT'
        ? number
        : number | null;
};
interface Partitioned {
  readonly site: string;
  readonly day: string;
}
export type SiteSeriesRecord = Row<typeof SITE_SERIES_COLUMNS> & Partitioned;
export type DeviceSeriesRecord = Row<typeof DEVICE_SERIES_COLUMNS> & Partitioned;
export type FleetEventRecord = Row<typeof FLEET_EVENT_COLUMNS> & Partitioned;

/** The three tables, by what they hold. */
export const TELEMETRY_TABLES = {
  siteSeries: SITE_SERIES_COLUMNS,
  deviceSeries: DEVICE_SERIES_COLUMNS,
  fleetEvents: FLEET_EVENT_COLUMNS,
} as const;
export type TelemetryTable = keyof typeof TELEMETRY_TABLES;
export type TelemetryRecord<T extends TelemetryTable> = {
  siteSeries: SiteSeriesRecord;
  deviceSeries: DeviceSeriesRecord;
  fleetEvents: FleetEventRecord;
}[T];

/** The UTC day partition of an instant: `YYYY-MM-DD`. */
export function dayOf(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** A device sample as a row (`units`: the site-model units the virtual device stands for). */
export function deviceSeriesRecord(
  siteId: string,
  metric: DeviceMetric,
  units: number,
  scenario = LIVE_SCENARIO,
): DeviceSeriesRecord {
  const atMs = Date.parse(metric.at);
  return {
    site: siteId,
    day: dayOf(atMs),
    scenario,
    at_ms: atMs,
    device_id: metric.deviceId,
    group_id: metric.groupId,
    kind: metric.kind,
    state: metric.state,
    power_w: metric.powerW,
    hashrate_ths: metric.hashrateThs ?? null,
    utilization_pct: metric.utilizationPct ?? null,
    temperature_c: metric.temperatureC ?? null,
    gpu_count: metric.gpuCount ?? 1,
    units,
  };
}

/** The `devices_<state>` columns of a per-state count. */
export function stateCounts(
  byState: Readonly<Partial<Record<DeviceState, number>>>,
): Record<`devices_${(typeof COUNTED_STATES)[number]}`, number> {
  return Object.fromEntries(COUNTED_STATES.map((s) => [`devices_${s}`, byState[s] ?? 0])) as Record<
    `devices_${(typeof COUNTED_STATES)[number]}`,
    number
  >;
}

/** A batch's readings at the site's meter (core/telemetry/site-summary.ts, PUE applied), scaled to the site model. */
export interface SiteReadings extends EarningLoad {
  readonly curtailedKw: number;
  readonly servingGpus: number;
  readonly poweredGpus: number;
  readonly devicesByState: Readonly<Partial<Record<DeviceState, number>>>;
}

/** The readings of a site summary, flat. */
export function siteReadings(summary: SiteTelemetrySummary): SiteReadings {
  return {
    ...summary.facilityKw,
    hashrateThs: summary.hashrateThs,
    busyGpus: summary.busyGpus,
    servingGpus: summary.servingGpus,
    poweredGpus: summary.poweredGpus,
    devicesByState: summary.devicesByState,
  };
}

/**
 * A site's batch as a `site_series` row, whoever writes it (the local platform's recorder, the cloud's consumer):
 * its own readings, the site model's limit (its interconnect) and installed GPUs, the prices in force (the site's node
 * price, the market's hashprice and GPU spot rate) and what the batch accrued (accrual.ts: 0 for a late repeat).
 */
export function siteSeriesRecord(
  batch: TelemetryBatch,
  readings: SiteReadings,
  site: Site,
  prices: { readonly priceUsdPerMwh: number | undefined; readonly market: MarketSnapshot | undefined },
  accrual: Accrual,
  scenario = LIVE_SCENARIO,
): SiteSeriesRecord {
  const atMs = Date.parse(batch.sentAt);
  const { market } = prices;
  return {
    site: batch.siteId,
    day: dayOf(atMs),
    scenario,
    gateway_id: batch.gatewayId,
    batch_seq: batch.batchSeq,
    at_ms: atMs,
    site_power_kw: batch.sitePowerKw,
    limit_kw: siteCapKw(site),
    asic_kw: readings.asicKw,
    gpu_kw: readings.gpuKw,
    curtailed_kw: readings.curtailedKw,
    hashrate_ths: readings.hashrateThs,
    busy_gpus: readings.busyGpus,
    serving_gpus: readings.servingGpus,
    powered_gpus: readings.poweredGpus,
    installed_gpus: installedGpus([site]),
    price_usd_per_mwh: prices.priceUsdPerMwh ?? null,
    hashprice_usd_per_th_day: market?.hashprice.hashpriceUsdPerThDay ?? null,
    gpu_spot_usd_per_gpu_hour: market?.gpuSpotUsdPerGpuHour ?? null,
    accrued_hours: accrual.hours,
    mining_usd: accrual.money.miningUsd,
    inference_usd: accrual.money.inferenceUsd,
    energy_cost_usd: accrual.money.energyCostUsd,
    ...stateCounts(readings.devicesByState),
  };
}

/** A fleet event as a row (`site`: FLEET_SITE for a fleet-wide one, such as an API probe). */
export function fleetEventRecord(
  site: string,
  atMs: number,
  kind: FleetEventKind,
  source: string,
  latencyMs: number | null,
  ok: boolean,
  scenario = LIVE_SCENARIO,
): FleetEventRecord {
  return { site, day: dayOf(atMs), scenario, at_ms: atMs, kind, source, latency_ms: latencyMs, ok };
}
