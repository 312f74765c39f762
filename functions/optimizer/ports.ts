import type { OpenBid } from '../../core/bids/demand-curve.js';
import type { FourCpForecast } from '../../core/forecast/four-cp.js';
import type { PriceForecaster } from '../../core/forecast/types.js';
import type { KnownAtView } from '../../core/market-data/known-at.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Plan, PlanForecast } from '../../core/model/plan.js';
import type { Fleet } from '../../core/model/site.js';
import type { CoordinationRound } from '../../core/optimizer/coordination.js';
import type { DemandClassTerms, SiteState } from '../../core/optimizer/types.js';
import type { SiteWorkDemand } from '../../core/routing/demand.js';
import type { SiteCoordination } from '../../core/strategies/planner.js';

/** The fleet as dispatch sees it: sites, device groups and their capabilities. */
export interface FleetSource {
  load(): Promise<Fleet>;
}

/** The newest market snapshot the ingestion stored. */
export interface MarketSource {
  latest(): Promise<MarketSnapshot | undefined>;
}

export interface SolveRequest {
  readonly fleet: Fleet;
  readonly market: MarketSnapshot;
  readonly previous: Plan | undefined;
  readonly version: number;
  readonly nowMs: number;
  /** The inference work open now, per site (core/routing/demand.ts); none means GPUs serve no one. */
  readonly demand?: Readonly<Record<string, SiteWorkDemand>>;
  /** What GPU work earns, from the operator's price sheet. @default DEFAULT_DEMAND_TERMS */
  readonly demandTerms?: DemandClassTerms;
  /** The market as the planner reads it, per node. @default the snapshot's price held flat (`last-settled`) */
  readonly outlook?: Readonly<Record<string, MarketOutlook>>;
  /** Each site's expected arrivals by grid step from the decision (the demand model). @default none */
  readonly arrivals?: Readonly<Record<string, ExpectedArrivals>>;
  /** Each site's starting state carried from the previous plan (core/strategies/carried-state.ts). @default all on */
  readonly states?: Readonly<Record<string, SiteState>>;
  /** Fleet-cap coordination per site, from a Map over sites' previous iteration. @default none */
  readonly coordination?: Readonly<Record<string, SiteCoordination>>;
  /**
   * The 4CP forecast from the stored system load as known now (functions/optimizer/four-cp-outlook.ts).
   * @default none: the snapshot's announced 4CP windows, if any
   */
  readonly fourCp?: FourCpForecast;
  /**
   * Each site's share of the fleet's open bids (issue 28, core/bids/demand-curve.ts splitBidsOverSites), planned as a
   * demand curve beside mining. @default none
   */
  readonly openBids?: Readonly<Record<string, readonly OpenBid[]>>;
}

/** One node's market for the planner: the known-at view, the forecaster chosen for it and what the plan records. */
export interface MarketOutlook {
  readonly known: KnownAtView;
  readonly forecaster: PriceForecaster;
  readonly forecast: Omit<PlanForecast, 'horizonHours'>;
}

/** Expected GPU work arrivals per grid step, H100-equivalent GPU-hours. */
export interface ExpectedArrivals {
  readonly guaranteedGpuHours: readonly number[];
  readonly flexGpuHours: readonly number[];
}

/** The demand model: the work expected to arrive at each site over the horizon. */
export interface ArrivalForecast {
  expected(
    fleetSites: Fleet['sites'],
    startMs: number,
    stepMinutes: number,
    steps: number,
  ): Promise<Readonly<Record<string, ExpectedArrivals>>>;
}

/** The workloads waiting or running, as each site's demand. */
export interface WorkDemandSource {
  load(nowMs: number): Promise<Readonly<Record<string, SiteWorkDemand>>>;
}

/**
 * Forecast and solve: the seam where core/optimizer (receding-horizon LP/MILP with core/forecast) plugs in. Until it
 * exports a solver, adapters/ladder-solver.ts fills the seam with a one-price merit-order heuristic.
 */
export interface PlanSolver {
  solve(request: SolveRequest): Promise<Plan>;
}

/** A solved plan waiting to be saved as a version; kept out of the state machine's payload (plans exceed 256 KB). */
export interface PlanDraftStore {
  put(draftId: string, plan: Plan): Promise<void>;
  get(draftId: string): Promise<Plan | undefined>;
}

/**
 * What one dispatch run's Map shares between its steps, kept out of the state machine's payload (a 500-site run's
 * inputs and site plans exceed 256 KB): the inputs pinned at the start, each coordination round's terms, and each
 * batch's plan per round (functions/optimizer/scale-out.ts).
 */
export interface DispatchWorkspace {
  putContext(draftId: string, context: DispatchContext): Promise<void>;
  getContext(draftId: string): Promise<DispatchContext | undefined>;
  putRound(draftId: string, round: CoordinationRound): Promise<void>;
  getRound(draftId: string, iteration: number): Promise<CoordinationRound | undefined>;
  /** A batch's plan (its sites only) in a round, keyed by the batch's first site id. */
  putBatch(draftId: string, iteration: number, plan: Plan): Promise<void>;
  getBatch(draftId: string, iteration: number, firstSiteId: string): Promise<Plan | undefined>;
  listBatches(draftId: string, iteration: number): Promise<Plan[]>;
}

/** The inputs of a dispatch run, pinned when it starts so every batch of every round plans the same decision. */
export interface DispatchContext {
  /** The version the plan will be saved as (for the record; the save itself checks it). */
  readonly version: number;
  /** The decision instant every batch passes to `solveSites`. */
  readonly nowMs: number;
  /** In fleet order: the plan lists its sites in it. */
  readonly siteIds: readonly string[];
  /** Cap on the fleet's total draw, kW; none: the sites are independent and one round is enough. */
  readonly fleetCapKw?: number;
  readonly maxPriceRounds: number;
  /** Multi-region: each planned site's lease epoch at the start (the plan's `leaseEpochs`). @default none */
  readonly leaseEpochs?: Readonly<Record<string, number>>;
}

/**
 * The bid book (issue 28): the open bids the planner weighs, and the clearing of a saved plan's first interval at the
 * GPU-hours it gives bids (functions/bids/plan-clearing.ts).
 */
export interface BidBook {
  open(): Promise<OpenBid[]>;
  clearPlan(plan: Plan, nowMs: number): Promise<void>;
}
