import { FLEET_SITE, SITE_SERIES_COLUMNS } from './records.js';

/**
 * The telemetry history's queries, as SQL text that DuckDB (the local Parquet store, the backtest) and Athena (the
 * AWS sink's Iceberg tables) both run. The tables (records.ts) and their names are parameters; the one function the
 * two engines spell differently (a percentile) is the dialect's, below. Instants are epoch milliseconds and buckets
 * integer arithmetic from `fromMs`, so no date function is needed; every division is over a DOUBLE (Athena divides
 * BIGINTs as integers) and guarded by NULLIF. Values reach the text only as checked literals (`literal`).
 */
export type SqlDialect = 'duckdb' | 'athena';

export interface TableNames {
  readonly siteSeries: string;
  readonly deviceSeries: string;
  readonly fleetEvents: string;
}

export interface QueryWindow {
  /** Epoch ms, inclusive; buckets start here. */
  readonly fromMs: number;
  /** Epoch ms, exclusive. */
  readonly toMs: number;
  readonly stepMs: number;
  /** `live`, or a backtest strategy's name. */
  readonly scenario: string;
}

/** The only function the engines spell differently: DuckDB's exact `quantile_cont`, Athena's `approx_percentile`. */
export function percentileSql(dialect: SqlDialect, expression: string, quantile: number): string {
  if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
  return dialect === 'athena'
    ? `approx_percentile(${expression}, ${quantile})`
    : `quantile_cont(${expression}, ${quantile})`;
}

/** A string or whole-number literal; anything else is refused (the text is run as is). */
export function literal(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer literal: ${value}`);
    return String(value);
  }
  if (!/^[A-Za-z0-9 ._:@-]*$/.test(value)) throw new RangeError(`not a plain string literal: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

/** A table name as given (Athena: `database.table`; DuckDB: a view): letters, digits, underscores and dots only. */
export function tableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name)) throw new RangeError(`bad table name ${name}`);
  return name;
}

/** The day partitions a window touches (UTC), so both engines prune to them before reading a file. */
function dayRange(w: QueryWindow): string {
  const first = new Date(w.fromMs).toISOString().slice(0, 10);
  const last = new Date(Math.max(w.fromMs, w.toMs - 1)).toISOString().slice(0, 10);
  return `day BETWEEN ${literal(first)} AND ${literal(last)}`;
}

function windowFilter(w: QueryWindow): string {
  for (const [name, value] of Object.entries({ fromMs: w.fromMs, toMs: w.toMs, stepMs: w.stepMs }))
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  if (w.toMs <= w.fromMs || w.stepMs <= 0) throw new RangeError('the window must be non-empty and the step positive');
  return `scenario = ${literal(w.scenario)} AND ${dayRange(w)} AND at_ms >= ${literal(w.fromMs)} AND at_ms < ${literal(w.toMs)}`;
}

/** The bucket an instant falls in: the start of its step, counted from `fromMs`. */
function bucket(w: QueryWindow, column = 'at_ms'): string {
  const offset = `(${column} - ${literal(w.fromMs)})`;
  return `${literal(w.fromMs)} + ${offset} - (${offset} % ${literal(w.stepMs)})`;
}

/**
 * A site batch's identity. A gateway re-sends a batch whose ack is late, so one batch can be stored twice or more;
 * `at_ms` (the batch's `sentAt`, the same in every copy) keeps two batches apart even if a gateway that lost its spool
 * starts numbering again.
 */
export const BATCH_KEY = ['site', 'day', 'scenario', 'gateway_id', 'batch_seq', 'at_ms'] as const;
/**
 * What each arrival of a batch added (the observer accrues money per arrival; a repeat's own accrual is 0 there), so
 * copies add up: the sum over a batch's copies is exactly what was recorded, whichever copy carries it.
 */
export const ACCRUED_COLUMNS: ReadonlySet<string> = new Set([
  'accrued_hours',
  'mining_usd',
  'inference_usd',
  'energy_cost_usd',
]);

/**
 * The site series with one row per (site, gateway batch), filtered by `where`: readings are the mean of the copies
 * (they carry the same payload), accrued hours and money their sum. Every site query reads this, so a re-sent batch
 * weighs once in a mean. A GROUP BY both engines run; the filter sits inside so both prune partitions first.
 */
function siteBatches(tables: TableNames, where: string): string {
  const key: readonly string[] = BATCH_KEY;
  const columns = Object.entries(SITE_SERIES_COLUMNS)
    .filter(([name]) => !key.includes(name))
    .map(([name, type]) => {
      const merge = ACCRUED_COLUMNS.has(name) ? 'SUM' : type === 'DOUBLE' ? 'AVG' : 'MAX';
      return `${merge}(${name}) AS ${name}`;
    });
  return [
    `(SELECT ${key.join(', ')}, ${columns.join(', ')}`,
    `  FROM ${tableName(tables.siteSeries)}`,
    `  WHERE ${where}`,
    `  GROUP BY ${key.join(', ')}) AS batches`,
  ].join('\n');
}

const ratio = (numerator: string, denominator: string) =>
  `CAST(${numerator} AS DOUBLE) / NULLIF(CAST(${denominator} AS DOUBLE), 0)`;

/** What a site-series query returns, by the API's `metric`. */
export const SITE_METRICS = ['power', 'hashrate', 'price', 'gpus', 'money', 'group-states'] as const;
export type SiteMetric = (typeof SITE_METRICS)[number];

/**
 * A site-series column: the mean or sum, over a bucket's batches, of the sum of `of` (one column, or asic + gpu).
 * The SQL below and the cross-region merge (region-merge.ts) both read this one definition.
 */
export interface SiteAggregate {
  readonly name: string;
  readonly agg: 'AVG' | 'SUM';
  readonly of: readonly string[];
}

const avg = (name: string, of: readonly string[] = [name]): SiteAggregate => ({ name, agg: 'AVG', of });
const sum = (name: string): SiteAggregate => ({ name, agg: 'SUM', of: [name] });

export const SITE_AGGREGATES: Record<Exclude<SiteMetric, 'group-states'>, readonly SiteAggregate[]> = {
  // Site power (ASIC + GPU at the meter) against the limit it ran under, and the split with the load shed.
  power: [avg('site_kw', ['asic_kw', 'gpu_kw']), avg('limit_kw'), avg('asic_kw'), avg('gpu_kw'), avg('curtailed_kw')],
  hashrate: [avg('hashrate_ths')],
  price: [avg('price_usd_per_mwh'), avg('hashprice_usd_per_th_day'), avg('gpu_spot_usd_per_gpu_hour')],
  gpus: [avg('serving_gpus'), avg('powered_gpus'), avg('busy_gpus')],
  money: [sum('mining_usd'), sum('inference_usd'), sum('energy_cost_usd')],
};

const aggregateSql = (a: SiteAggregate) => `${a.agg}(${a.of.join(' + ')}) AS ${a.name}`;

/**
 * One site's batches in the window, one row per batch (the copies of a re-sent batch merged as every site query
 * merges them) with its bucket: what a region answers for the cross-region merge (region-merge.ts).
 */
export function siteBatchesSql(tables: TableNames, siteId: string, w: QueryWindow): string {
  return [
    `SELECT ${bucket(w)} AS bucket_ms, batches.*`,
    `FROM ${siteBatches(tables, `site = ${literal(siteId)} AND ${windowFilter(w)}`)}`,
    'ORDER BY at_ms',
  ].join('\n');
}

/**
 * One site's series at a step: one row per bucket with data (`bucket_ms`, `samples`: the distinct batches, the
 * metric's columns).
 */
export function siteSeriesSql(
  dialect: SqlDialect,
  tables: TableNames,
  siteId: string,
  metric: SiteMetric,
  w: QueryWindow,
): string {
  if (metric === 'group-states') return groupStatesSql(dialect, tables, siteId, w);
  return [
    `SELECT ${bucket(w)} AS bucket_ms, COUNT(*) AS samples, ${SITE_AGGREGATES[metric].map(aggregateSql).join(', ')}`,
    `FROM ${siteBatches(tables, `site = ${literal(siteId)} AND ${windowFilter(w)}`)}`,
    'GROUP BY 1 ORDER BY 1',
  ].join('\n');
}

/**
 * Per device group and state, the mean number of site-model units in that state over the bucket: each device's
 * samples in the state, weighted by the units it stands for, over the samples per device of its group.
 */
function groupStatesSql(_dialect: SqlDialect, tables: TableNames, siteId: string, w: QueryWindow): string {
  return [
    'WITH s AS (',
    `  SELECT ${bucket(w)} AS bucket_ms, group_id, state, device_id, units`,
    `  FROM ${tableName(tables.deviceSeries)}`,
    `  WHERE site = ${literal(siteId)} AND ${windowFilter(w)}`,
    '), g AS (',
    '  SELECT bucket_ms, group_id, COUNT(*) AS samples, COUNT(DISTINCT device_id) AS devices FROM s',
    '  GROUP BY bucket_ms, group_id',
    ')',
    `SELECT s.bucket_ms, s.group_id, s.state, SUM(s.units) * MAX(${ratio('g.devices', 'g.samples')}) AS units`,
    'FROM s JOIN g ON s.bucket_ms = g.bucket_ms AND s.group_id = g.group_id',
    'GROUP BY s.bucket_ms, s.group_id, s.state ORDER BY 1, 2, 3',
  ].join('\n');
}

/**
 * The fleet's power and money KPIs per bucket, over every site of the scenario:
 * - utilisation: site power used over available (the limit), sample-weighted; GPUs serving over GPUs powered;
 * - fleet J/TH at the meter (ASIC facility W over TH/s) and the energy cost per TH/s per day (ASIC power × price);
 * - revenue per GPU per month: inference revenue over installed GPU-hours, × 730 hours.
 */
export function fleetPowerKpisSql(_dialect: SqlDialect, tables: TableNames, w: QueryWindow): string {
  return [
    `SELECT ${bucket(w)} AS bucket_ms, COUNT(*) AS samples,`,
    `  ${ratio('SUM(asic_kw + gpu_kw)', 'SUM(limit_kw)')} AS power_utilisation,`,
    `  ${ratio('SUM(serving_gpus)', 'SUM(powered_gpus)')} AS gpu_utilisation,`,
    `  ${ratio('SUM(asic_kw) * 1000', 'SUM(hashrate_ths)')} AS fleet_j_per_th,`,
    `  ${ratio('SUM(asic_kw * price_usd_per_mwh) * 24 / 1000', 'SUM(hashrate_ths)')} AS energy_cost_usd_per_th_day,`,
    `  ${ratio('SUM(inference_usd) * 730', 'SUM(installed_gpus * accrued_hours)')} AS revenue_usd_per_gpu_month,`,
    '  SUM(mining_usd) AS mining_usd, SUM(inference_usd) AS inference_usd, SUM(energy_cost_usd) AS energy_cost_usd',
    `FROM ${siteBatches(tables, windowFilter(w))}`,
    'GROUP BY 1 ORDER BY 1',
  ].join('\n');
}

/**
 * Switch latency and the API prober's latency (p50/p99) and health per bucket, from the fleet events. The switch
 * latency is the gateway's (a local reaction: signal to devices; an ack: command executed), the seed's "switch
 * < 100 ms"; a SwitchFlow's end to end (source `cloud`, seconds through Step Functions) is stored but not in it.
 */
export function fleetEventKpisSql(dialect: SqlDialect, tables: TableNames, w: QueryWindow): string {
  const gatewaySwitch = "kind = 'switch' AND source <> 'cloud'";
  const latencyOf = (condition: string) => `CASE WHEN ${condition} AND ok THEN latency_ms END`;
  const p = (condition: string, q: number) => percentileSql(dialect, latencyOf(condition), q);
  const probe = "kind = 'api-probe'";
  return [
    `SELECT ${bucket(w)} AS bucket_ms,`,
    `  ${p(gatewaySwitch, 0.5)} AS switch_p50_ms, ${p(gatewaySwitch, 0.99)} AS switch_p99_ms,`,
    `  SUM(CASE WHEN ${gatewaySwitch} THEN 1 ELSE 0 END) AS switches,`,
    `  ${p(probe, 0.5)} AS api_p50_ms, ${p(probe, 0.99)} AS api_p99_ms,`,
    `  SUM(CASE WHEN kind = 'api-probe' THEN 1 ELSE 0 END) AS api_probes,`,
    `  ${ratio("SUM(CASE WHEN kind = 'api-probe' AND ok THEN 1 ELSE 0 END)", "SUM(CASE WHEN kind = 'api-probe' THEN 1 ELSE 0 END)")} AS api_uptime`,
    `FROM ${tableName(tables.fleetEvents)}`,
    `WHERE kind IN ('switch', 'api-probe') AND ${windowFilter(w)}`,
    'GROUP BY 1 ORDER BY 1',
  ].join('\n');
}

/**
 * The heartbeat slots each site's gateway was heard in, per bucket, with the site's first heard slot in the window:
 * the rows core/telemetry-history/uptime.ts turns into the gateway uptime. A slot is a heartbeat period counted from
 * `fromMs`; several heartbeats in one slot count once.
 */
export function gatewayUptimeSql(
  _dialect: SqlDialect,
  tables: TableNames,
  w: QueryWindow,
  heartbeatPeriodMs: number,
): string {
  const offset = `(at_ms - ${literal(w.fromMs)})`;
  const slot = `${literal(w.fromMs)} + ${offset} - (${offset} % ${literal(heartbeatPeriodMs)})`;
  const heartbeats = `FROM ${tableName(tables.fleetEvents)} WHERE kind = 'heartbeat' AND site <> ${literal(FLEET_SITE)} AND ${windowFilter(w)}`;
  return [
    `WITH beats AS (SELECT DISTINCT site, ${bucket(w)} AS bucket_ms, ${slot} AS slot_ms ${heartbeats}),`,
    'firsts AS (SELECT site, MIN(slot_ms) AS first_slot_ms FROM beats GROUP BY site)',
    'SELECT b.site, b.bucket_ms, COUNT(*) AS heard_slots, MIN(f.first_slot_ms) AS first_slot_ms',
    'FROM beats b JOIN firsts f ON b.site = f.site',
    'GROUP BY b.site, b.bucket_ms ORDER BY 1, 2',
  ].join('\n');
}
