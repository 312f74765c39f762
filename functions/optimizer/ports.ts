import type { MarketSnapshot } from '../../core/model/market.js';
import type { Plan } from '../../core/model/plan.js';
import type { Fleet } from '../../core/model/site.js';

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
