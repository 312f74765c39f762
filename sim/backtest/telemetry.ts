import { energyCostUsd, miningRevenueUsd } from '../../core/economics/energy.js';
import { installedGpus } from '../../core/gpu/capacity.js';
import { siteCapKw } from '../../core/model/site.js';
import type { BacktestData } from '../../core/strategies/context.js';
import { dayOf, type SiteSeriesRecord, stateCounts } from '../../core/telemetry-history/records.js';
import type { TelemetryAppender } from '../platform/telemetry-recorder.js';
import type { StrategyRun } from './run.js';

/** What the rows are made of: the backtest's grid, sites and truth, and one strategy's power split and units. */
export type BacktestTelemetryData = Pick<BacktestData, 'startMs' | 'stepMinutes' | 'sites'> & {
  readonly truth: Pick<BacktestData['truth'], 'priceUsdPerMwh' | 'hashpriceUsdPerThDay'>;
};
export type BacktestTelemetryRun = Pick<StrategyRun, 'name' | 'asicKw' | 'gpuKw' | 'unitsOn'>;

/**
 * A strategy's run as the telemetry history's site series (#27 item 5), with the strategy's name as the `scenario`:
 * one row per site and step, so the history API and the KPI page read a backtest as they read the platform. The
 * backtest models groups, not devices: hashrate is the units on at their curve's top point, mining revenue that
 * hashrate at the settled hashprice, energy cost the power split at the settled price; GPU counts and inference
 * revenue per site and step are not in a run, so they stay empty (null) and the GPU KPIs are not computed for it.
 */
export function backtestSiteSeries(data: BacktestTelemetryData, run: BacktestTelemetryRun): SiteSeriesRecord[] {
  const stepMs = data.stepMinutes * 60_000;
  const hours = data.stepMinutes / 60;
  return data.sites.flatMap((site, s) =>
    (run.asicKw[s] ?? []).map((asicKw, t) => {
      const atMs = data.startMs + t * stepMs;
      const gpuKw = run.gpuKw[s]?.[t] ?? 0;
      const price = data.truth.priceUsdPerMwh[t] ?? null;
      const hashprice = data.truth.hashpriceUsdPerThDay[t] ?? null;
      const hashrateThs = site.asicGroups.reduce(
        (sum, group, g) => sum + (run.unitsOn[s]?.[g]?.[t] ?? 0) * (group.powerCurve.at(-1)?.hashrateThs ?? 0),
        0,
      );
      return {
        site: site.id,
        day: dayOf(atMs),
        scenario: run.name,
        gateway_id: 'backtest',
        batch_seq: t,
        at_ms: atMs,
        site_power_kw: asicKw + gpuKw,
        limit_kw: siteCapKw(site),
        asic_kw: asicKw,
        gpu_kw: gpuKw,
        curtailed_kw: null,
        hashrate_ths: hashrateThs,
        busy_gpus: null,
        serving_gpus: null,
        powered_gpus: null,
        installed_gpus: installedGpus([site]),
        price_usd_per_mwh: price,
        hashprice_usd_per_th_day: hashprice,
        gpu_spot_usd_per_gpu_hour: null,
        accrued_hours: hours,
        mining_usd: hashprice === null ? null : miningRevenueUsd(hashrateThs, hours, hashprice),
        inference_usd: null,
        energy_cost_usd: price === null ? null : energyCostUsd(asicKw + gpuKw, hours, price),
        ...stateCounts({}),
      };
    }),
  );
}

/** Every run's rows into the store. */
export function recordBacktest(
  store: TelemetryAppender,
  data: BacktestTelemetryData,
  runs: readonly BacktestTelemetryRun[],
): void {
  for (const run of runs) store.append('siteSeries', backtestSiteSeries(data, run));
}
