import { ercotDeploymentProbabilities } from '../../core/ancillary/deployment-history.js';
import { type DemandScenarioParams, siteDemand } from '../../core/demand/scenarios.js';
import { type AncillaryPriceGrid, ancillaryOnGrid } from '../../core/market-data/ancillary-prices.js';
import {
  deployedAt,
  deploymentsFromPrices,
  ERCOT_PUBLICATION,
  type MarketRecord,
  type PublicationRules,
} from '../../core/market-data/known-at.js';
import {
  type HashpriceDay,
  hashpriceOnGrid,
  type PriceCsvOptions,
  type PriceSeries,
} from '../../core/market-data/series.js';
import type { Fleet } from '../../core/model/site.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS } from '../../core/optimizer/types.js';
import type { BacktestData } from '../../core/strategies/context.js';
import { UsageError } from '../cli/args.js';
import { readAncillaryPriceFile, readHashpriceFile, readPriceFile } from '../data/market-files.js';
import { type FourCpLoad, fourCpInputs } from './four-cp.js';

/**
 * ERCOT deploys ERS and ECRS load resources in emergencies (EEA), which coincide with real-time prices near the cap;
 * the files carry no deployment record, so one is derived: a deployment in intervals at or above this price, noticed
 * only once the first such price is published (core/market-data/known-at.ts deploymentsFromPrices).
 */
export const DR_DEPLOYMENT_PRICE_USD_PER_MWH = 2000;

export interface LoadOptions {
  readonly pricesFile: string;
  readonly hashpriceFile: string;
  readonly priceColumns: PriceCsvOptions;
  readonly stepMinutes: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly fleet: Fleet;
  readonly demand: DemandScenarioParams;
  /** @default ERCOT_PUBLICATION */
  readonly publication?: PublicationRules;
  /** 4CP: the forecaster's probabilities and the peaks scored, from a system-load file. @default off, none */
  readonly fourCp?: FourCpLoad;
  /**
   * Hourly ancillary capacity prices (the shipped file's columns): DAM prices, known at DAM publication the day
   * before. @default none (no ancillary offers can be priced)
   */
  readonly ancillaryPricesFile?: string;
}

/** The market record of a price file and a hashprice file, with deployments derived from the prices. */
export function marketRecord(
  prices: PriceSeries,
  hashpriceDays: readonly HashpriceDay[],
  publication: PublicationRules = ERCOT_PUBLICATION,
): MarketRecord {
  const grid = prices.rtUsdPerMwh;
  return {
    startMs: grid.startMs,
    stepMinutes: grid.stepMinutes,
    rtUsdPerMwh: grid.values,
    ...(prices.daUsdPerMwh ? { daUsdPerMwh: prices.daUsdPerMwh.values } : {}),
    ...(prices.temperatureC ? { temperatureC: prices.temperatureC.values } : {}),
    hashpriceDays: [...hashpriceDays]
      .sort((a, b) => a.dayStartMs - b.dayStartMs)
      .map((d) => ({ dayStartMs: d.dayStartMs, value: d.hashpriceUsdPerThDay })),
    gridEvents: deploymentsFromPrices(
      { startMs: grid.startMs, stepMinutes: grid.stepMinutes, rtUsdPerMwh: grid.values },
      publication,
      DR_DEPLOYMENT_PRICE_USD_PER_MWH,
    ),
    publication,
  };
}

/** The file's prices on the market grid; a file that does not cover any of the window is a usage error naming it. */
function ancillaryPrices(
  file: string,
  grid: { startMs: number; stepMinutes: number; values: readonly number[] },
  window: { startMs: number; steps: number },
): AncillaryPriceGrid {
  const hourly = readAncillaryPriceFile(file);
  const prices = ancillaryOnGrid(hourly, { ...grid, length: grid.values.length }, 'dam');
  const first = Math.round((window.startMs - grid.startMs) / (grid.stepMinutes * 60_000));
  const inWindow = Object.values(prices.byProduct)[0]!.slice(first, first + window.steps);
  if (!inWindow.some(Number.isFinite)) {
    const from = new Date(hourly.hourStartsMs[0]!).toISOString();
    const to = new Date(hourly.hourStartsMs.at(-1)! + 3_600_000).toISOString();
    throw new UsageError(`--ancillary-prices ${file} covers ${from}..${to}: none of the backtest window`);
  }
  return prices;
}

/** A dispatch step finer than the price file would repeat a price a strategy could then read before it settled. */
export class StepTooFineError extends UsageError {}

/**
 * Loads a backtest: the evaluation window [from, to) for scoring, and the whole file as the market record the
 * strategies' known-at views come from, so history before `from` serves as warm-up. With a system-load file the
 * months' coincident peaks are scored, and with 4CP forecast the strategies plan on the forecaster (sim/backtest/four-cp.ts).
 */
export function loadBacktestData(o: LoadOptions): BacktestData {
  const prices = readPriceFile(o.pricesFile, o.stepMinutes, o.priceColumns);
  if (o.stepMinutes < prices.sourceStepMinutes) {
    throw new StepTooFineError(
      `--step-minutes ${o.stepMinutes} is finer than the price file's ${prices.sourceStepMinutes}-minute resolution (${o.pricesFile}): use ${prices.sourceStepMinutes} or a multiple`,
    );
  }
  const publication = o.publication ?? ERCOT_PUBLICATION;
  const hashpriceDays = readHashpriceFile(o.hashpriceFile).sort((a, b) => a.dayStartMs - b.dayStartMs);
  const hashprice = hashpriceOnGrid(hashpriceDays, prices.rtUsdPerMwh);
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
  const ancillary = o.ancillaryPricesFile
    ? ancillaryPrices(o.ancillaryPricesFile, grid, { startMs: grid.startMs + first * stepMs, steps: last - first })
    : undefined;
  const market = {
    ...marketRecord(prices, hashpriceDays, publication),
    ...(ancillary ? { ancillaryUsdPerMwh: ancillary } : {}),
  };
  const demand = o.fleet.sites.map((site, s) => siteDemand(site, o.demand, startMs, o.stepMinutes, steps, s));
  const stepStarts = Array.from({ length: steps }, (_, i) => startMs + i * stepMs);
  const fourCp = fourCpInputs(o.fourCp ?? { mode: 'off' }, { startMs, stepMinutes: o.stepMinutes, steps });
  return {
    startMs,
    stepMinutes: o.stepMinutes,
    steps,
    sites: o.fleet.sites,
    expectedDemand: demand.map((d) => ({
      guaranteedGpuHours: d.expectedGuaranteedGpuHours,
      flexGpuHours: d.expectedFlexGpuHours,
    })),
    ...(fourCp.peakProbabilityAt ? { peakProbabilityAt: fourCp.peakProbabilityAt } : {}),
    demandTerms: DEFAULT_DEMAND_TERMS,
    gridTerms: DEFAULT_GRID_TERMS,
    truth: {
      priceUsdPerMwh: grid.values.slice(first, last),
      hashpriceUsdPerThDay: hashprice.values.slice(first, last),
      demand,
      drDeployed: stepStarts.map((atMs) => deployedAt(market.gridEvents, atMs)),
      ...(fourCp.fourCpPeakShare ? { fourCpPeakShare: fourCp.fourCpPeakShare } : {}),
      ...(ancillary
        ? {
            ancillary: {
              prices: {
                market: ancillary.market,
                byProduct: Object.fromEntries(
                  Object.entries(ancillary.byProduct).map(([p, values]) => [p, values.slice(first, last)]),
                ),
              },
              deploymentProbability: ercotDeploymentProbabilities(),
            },
          }
        : {}),
    },
    market,
    marketOffset: first,
    ...(fourCp.peakProbabilityAt && fourCp.systemLoad ? { fourCpSystemLoad: fourCp.systemLoad } : {}),
  };
}
