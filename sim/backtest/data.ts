import { DEMAND_SCENARIOS, type DemandScenarioParams, siteDemand } from '../../core/demand/scenarios.js';
import { hashpriceOnGrid, type PriceCsvOptions, type RegularSeries } from '../../core/market-data/series.js';
import type { Fleet } from '../../core/model/site.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS } from '../../core/optimizer/types.js';
import type { BacktestData } from '../../core/strategies/context.js';
import { readHashpriceFile, readPriceFile } from '../data/market-files.js';

/**
 * ERCOT deploys ERS and ECRS load resources in emergencies (EEA), which coincide with real-time prices near the cap;
 * the files carry no deployment record, so a deployment is assumed in intervals at or above this price.
 */
export const DR_DEPLOYMENT_PRICE_USD_PER_MWH = 2000;

/**
 * 4CP: ERCOT's four coincident peaks fall in June–September, late afternoon. Outside those months the probability is
 * zero (the shared file covers November–March, so 4CP cost is zero there); inside, a flat 5% on weekday 16:00–18:00
 * Central intervals is a placeholder until a peak forecaster exists.
 */
export function fourCpProbability(atMs: number): number {
  const d = new Date(atMs - 6 * 3_600_000);
  const month = d.getUTCMonth() + 1;
  const hour = d.getUTCHours();
  const weekday = d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
  return month >= 6 && month <= 9 && weekday && hour >= 16 && hour < 18 ? 0.05 : 0;
}

export interface LoadOptions {
  readonly pricesFile: string;
  readonly hashpriceFile: string;
  readonly priceColumns: PriceCsvOptions;
  readonly stepMinutes: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly fleet: Fleet;
  readonly demand: DemandScenarioParams;
}

function slice(series: RegularSeries | undefined, from: number, to: number): number[] | undefined {
  return series ? series.values.slice(from, to) : undefined;
}

export function loadBacktestData(o: LoadOptions): BacktestData {
  const prices = readPriceFile(o.pricesFile, o.stepMinutes, o.priceColumns);
  const hashprice = hashpriceOnGrid(readHashpriceFile(o.hashpriceFile), prices.rtUsdPerMwh);
  const stepMs = o.stepMinutes * 60_000;
  const grid = prices.rtUsdPerMwh;
  const first = o.fromMs === undefined ? 0 : Math.max(0, Math.ceil((o.fromMs - grid.startMs) / stepMs));
  const last =
    o.toMs === undefined
      ? grid.values.length
      : Math.min(grid.values.length, Math.floor((o.toMs - grid.startMs) / stepMs));
  if (last - first < 1)
    throw new Error(
      `no price data between --from and --to (file covers ${new Date(grid.startMs).toISOString()} onwards)`,
    );
  const startMs = grid.startMs + first * stepMs;
  const steps = last - first;
  const price = grid.values.slice(first, last);
  return {
    startMs,
    stepMinutes: o.stepMinutes,
    steps,
    priceUsdPerMwh: price,
    ...(prices.daUsdPerMwh ? { daUsdPerMwh: slice(prices.daUsdPerMwh, first, last)! } : {}),
    ...(prices.temperatureC ? { temperatureC: slice(prices.temperatureC, first, last)! } : {}),
    hashpriceUsdPerThDay: hashprice.values.slice(first, last),
    sites: o.fleet.sites,
    demand: o.fleet.sites.map((site, s) => siteDemand(site, o.demand, startMs, o.stepMinutes, steps, s)),
    drDeployed: price.map((p) => p >= DR_DEPLOYMENT_PRICE_USD_PER_MWH),
    peakProbability: price.map((_, i) => fourCpProbability(startMs + i * stepMs)),
    demandTerms: DEFAULT_DEMAND_TERMS,
    gridTerms: DEFAULT_GRID_TERMS,
  };
}

export { DEMAND_SCENARIOS };
