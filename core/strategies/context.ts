import type { SiteDemand } from '../demand/scenarios.js';
import type { PriceForecaster } from '../forecast/types.js';
import type { Site } from '../model/site.js';
import type { DemandClassTerms, GridTerms, SiteDecision, SiteHorizon, SiteState } from '../optimizer/types.js';

/** Everything a backtest knows, on one grid of `stepMinutes`; strategies may only read what their name allows. */
export interface BacktestData {
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly steps: number;
  readonly priceUsdPerMwh: readonly number[];
  readonly daUsdPerMwh?: readonly number[];
  readonly temperatureC?: readonly number[];
  readonly hashpriceUsdPerThDay: readonly number[];
  readonly sites: readonly Site[];
  readonly demand: readonly SiteDemand[];
  /** Demand-response deployments (fleet-wide), by step. */
  readonly drDeployed: readonly boolean[];
  readonly peakProbability: readonly number[];
  readonly demandTerms: DemandClassTerms;
  readonly gridTerms: GridTerms;
}

export interface DecisionContext {
  readonly t: number;
  readonly data: BacktestData;
  readonly states: readonly SiteState[];
}

export interface StrategyDecision {
  /** [site][step]: the steps committed from t on (at least one). */
  readonly perSite: SiteDecision[][];
}

export interface Strategy {
  readonly name: string;
  decide(context: DecisionContext): StrategyDecision;
}

export interface StrategyDeps {
  readonly forecaster?: PriceForecaster;
}

/**
 * Horizon layout in grid steps: `fineSteps` single steps, then blocks of `coarseBlock` steps up to `totalSteps`.
 * Coarser steps further out keep the LP small: the far hours matter for state (backlogs, min up/down) but their
 * decisions are re-made before they happen.
 */
export function horizonBlocks(totalSteps: number, fineSteps: number, coarseBlock: number): number[] {
  const blocks: number[] = [];
  let covered = 0;
  while (covered < totalSteps) {
    const size = covered < fineSteps ? 1 : Math.min(coarseBlock, totalSteps - covered);
    blocks.push(size);
    covered += size;
  }
  return blocks;
}

export interface HorizonSources {
  readonly price: (step: number) => number;
  readonly hashprice: (step: number) => number;
  readonly guaranteed: (step: number) => number;
  readonly flex: (step: number) => number;
  readonly dr: (step: number) => boolean;
}

/** Aggregates per-grid-step sources into the horizon's blocks (means for prices, sums for arrivals). */
export function buildHorizon(
  data: BacktestData,
  t: number,
  blocks: readonly number[],
  src: HorizonSources,
): SiteHorizon {
  const stepH = data.stepMinutes / 60;
  const h = {
    stepHours: [] as number[],
    priceUsdPerMwh: [] as number[],
    hashpriceUsdPerThDay: [] as number[],
    guaranteedArrivalsGpuHours: [] as number[],
    flexArrivalsGpuHours: [] as number[],
    drDeployed: [] as boolean[],
    peakProbability: [] as number[],
  };
  let step = t;
  for (const size of blocks) {
    let price = 0;
    let hp = 0;
    let g = 0;
    let f = 0;
    let dr = false;
    let peak = 0;
    for (let i = 0; i < size; i += 1) {
      const s = Math.min(step + i, data.steps - 1);
      price += src.price(s) / size;
      hp += src.hashprice(s) / size;
      g += src.guaranteed(s);
      f += src.flex(s);
      dr ||= src.dr(s);
      peak = Math.max(peak, data.peakProbability[s] ?? 0);
    }
    h.stepHours.push(size * stepH);
    h.priceUsdPerMwh.push(price);
    h.hashpriceUsdPerThDay.push(hp);
    h.guaranteedArrivalsGpuHours.push(g);
    h.flexArrivalsGpuHours.push(f);
    h.drDeployed.push(dr);
    h.peakProbability.push(peak);
    step += size;
  }
  return h;
}
