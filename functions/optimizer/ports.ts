import type { MarketSnapshot } from '../../core/model/market.js';
import type { Plan } from '../../core/model/plan.js';
import type { Fleet } from '../../core/model/site.js';
import type { DemandClassTerms } from '../../core/optimizer/types.js';
import type { SiteWorkDemand } from '../../core/routing/demand.js';

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
