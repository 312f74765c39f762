import type { AncillaryProduct } from '../ancillary/products.js';
import type { SiteDemand } from '../demand/scenarios.js';
import type { AncillaryPriceGrid } from '../market-data/ancillary-prices.js';
import { type KnownAtView, knownAt, type MarketRecord } from '../market-data/known-at.js';
import type { RegularSeries } from '../market-data/series.js';
import type { Site } from '../model/site.js';
import type { DemandClassTerms, GridTerms, SiteDecision, SiteHorizon, SiteState } from '../optimizer/types.js';

/** A site's GPU demand as the demand model expects it, known in advance (the realised arrivals are truth). */
export interface ExpectedDemand {
  readonly guaranteedGpuHours: readonly number[];
  readonly flexGpuHours: readonly number[];
}

/**
 * What a strategy may read besides the market's known-at view, on one grid of `stepMinutes` from `startMs`: the sites,
 * the demand model's expectation, the 4CP peak probability forecast (none with 4CP off) and the contract terms.
 */
export interface BacktestSetup {
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly steps: number;
  readonly sites: readonly Site[];
  readonly expectedDemand: readonly ExpectedDemand[];
  /**
   * The 4CP forecast as known at the start of `decisionStep`: the probability that `step` (≥ decisionStep) is its
   * month's coincident peak interval (core/forecast/four-cp.ts). @default none (4CP off)
   */
  readonly peakProbabilityAt?: (decisionStep: number, step: number) => number;
  readonly demandTerms: DemandClassTerms;
  readonly gridTerms: GridTerms;
}

/** What happened, by evaluation step: for scoring, and for the perfect-foresight benchmarks only. */
export interface BacktestTruth {
  readonly priceUsdPerMwh: readonly number[];
  readonly hashpriceUsdPerThDay: readonly number[];
  readonly demand: readonly SiteDemand[];
  /** Demand-response deployments (fleet-wide), by step. */
  readonly drDeployed: readonly boolean[];
  /** The share of a month's coincident peak each step carries (step/60 in the peak hour). @default none */
  readonly fourCpPeakShare?: readonly number[];
  /** Ancillary capacity clearing prices by step, and the deployment record's probabilities; absent without a file. */
  readonly ancillary?: {
    readonly prices: AncillaryPriceGrid;
    readonly deploymentProbability: Readonly<Record<AncillaryProduct, number>>;
  };
}

/** A backtest: the setup, the truth, and the market record (from before `startMs`, for warm-up) the views come from. */
export interface BacktestData extends BacktestSetup {
  readonly truth: BacktestTruth;
  readonly market: MarketRecord;
  /** Index of `startMs` in the market record's grid. */
  readonly marketOffset: number;
  /**
   * Hourly ERCOT system load with 4CP forecast on, for a replay of the deployed planner to ingest as published
   * (core/forecast/four-cp.ts knownSystemLoad). @default none
   */
  readonly fourCpSystemLoad?: RegularSeries;
}

export interface DecisionContext {
  /** Evaluation step being decided; the decision is taken at its start. */
  readonly t: number;
  readonly setup: BacktestSetup;
  /** The market as known at the start of step t. */
  readonly known: KnownAtView;
  readonly states: readonly SiteState[];
}

export interface StrategyDecision {
  /** [site][step]: the steps committed from t on (at least one). */
  readonly perSite: SiteDecision[][];
  /** The price the strategy planned on for each committed step, where it planned on one (for traces). */
  readonly plannedPriceUsdPerMwh?: readonly number[];
}

export interface Strategy {
  readonly name: string;
  decide(context: DecisionContext): StrategyDecision;
}

/** The setup alone, so a strategy cannot reach the truth through its context. */
export function setupOf(data: BacktestData): BacktestSetup {
  return {
    startMs: data.startMs,
    stepMinutes: data.stepMinutes,
    steps: data.steps,
    sites: data.sites,
    expectedDemand: data.expectedDemand,
    ...(data.peakProbabilityAt ? { peakProbabilityAt: data.peakProbabilityAt } : {}),
    demandTerms: data.demandTerms,
    gridTerms: data.gridTerms,
  };
}

/** The market as known at the start of step t. */
export function viewAt(data: Pick<BacktestData, 'market' | 'startMs' | 'stepMinutes'>, t: number): KnownAtView {
  return knownAt(data.market, data.startMs + t * data.stepMinutes * 60_000);
}

/**
 * Horizon layout in grid steps: `fineSteps` single steps, then blocks of `coarseBlock` steps up to `totalSteps`.
 * Coarser steps further out keep the LP small: the far hours matter for state (backlogs, min up/down) but their
 * decisions are re-made before they happen. Coarser still (single steps for 2 h, then hourly, 2-hour blocks from 8 h)
 * was measured and not kept: 46 → 41 ms CPU per decision for mpc-perfect on the reference fleet, since most of a
 * solve's cost is fixed (issue 19).
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
  /** 4CP peak probability of the step. @default 0 */
  readonly peak?: (step: number) => number;
}

/** Aggregates per-grid-step sources into the horizon's blocks (means for prices, sums for arrivals). */
export function buildHorizon(
  data: Pick<BacktestSetup, 'stepMinutes' | 'steps'>,
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
      // A block's interval holding the peak is curtailed by the block's decision: the block carries their sum.
      peak += src.peak?.(s) ?? 0;
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
