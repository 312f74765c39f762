import type { AncillaryProduct } from '../ancillary/products.js';
import type { Site } from '../model/site.js';

/** The two inference demand classes of issue 3. Work is counted in H100-equivalent GPU-hours (see gpuSpeed). */
export interface DemandClassTerms {
  /** What a GPU-hour of served guaranteed work earns. */
  readonly guaranteedUsdPerGpuHour: number;
  /** Penalty per GPU-hour of guaranteed work not served within its SLA (the interval it arrives in). */
  readonly guaranteedSlaPenaltyUsdPerGpuHour: number;
  /** Flex work is priced lower and may wait up to its deadline. */
  readonly flexUsdPerGpuHour: number;
  readonly flexDeadlineHours: number;
  /** Penalty per GPU-hour of flex work dropped at its deadline. */
  readonly flexSlaPenaltyUsdPerGpuHour: number;
}

export const DEFAULT_DEMAND_TERMS: DemandClassTerms = {
  // Guaranteed inference on an H100 sells around $2.5–3.5/GPU-hour (on-demand cloud list prices, 2024–25); the SLA
  // penalty is set well above it so it binds like a hard constraint unless power is extreme.
  guaranteedUsdPerGpuHour: 3,
  guaranteedSlaPenaltyUsdPerGpuHour: 12,
  // Flex (batch) inference sells at roughly half price (batch API discounts of 50% are common).
  flexUsdPerGpuHour: 1.5,
  flexDeadlineHours: 6,
  flexSlaPenaltyUsdPerGpuHour: 3,
};

/** Grid-cost terms of a site that are not in the Site contract. */
export interface GridTerms {
  /**
   * ERCOT 4CP: transmission cost per MW of load in one of the four summer coincident peaks. Transmission tariffs run
   * ~$5–6/kW-month ≈ $66k/MW-year, split over 4 peaks ≈ $16.5k per MW per peak interval (ERCOT TDSP tariffs). A site
   * with its own utility rate (`transmissionUsdPerKwYear`) uses that instead (core/economics/transmission.ts).
   */
  readonly fourCpUsdPerMwPerPeak: number;
}

export const DEFAULT_GRID_TERMS: GridTerms = { fourCpUsdPerMwPerPeak: 16_500 };

/** What a site's horizon looks like: possibly uneven step lengths (fine first, coarser further out). */
export interface SiteHorizon {
  readonly stepHours: readonly number[];
  readonly priceUsdPerMwh: readonly number[];
  readonly hashpriceUsdPerThDay: readonly number[];
  /** Arrivals per step, H100-equivalent GPU-hours. */
  readonly guaranteedArrivalsGpuHours: readonly number[];
  readonly flexArrivalsGpuHours: readonly number[];
  /** Demand-response deployment in force during the step. */
  readonly drDeployed: readonly boolean[];
  /** Probability the step sets a 4CP peak (zero outside June–September). */
  readonly peakProbability: readonly number[];
}

/**
 * One open bid as the site's model sees it (issue 28, core/bids/demand-curve.ts): up to `gpuHours` of work, served in
 * [fromHour, toHour) of the horizon, each GPU-hour earning `limitUsdPerGpuHour`. The model serves a bid only where its
 * limit pays for the GPUs' serving power, at the energy price or the hashing that power displaces under the cap.
 */
export interface BidBlock {
  readonly bidId: string;
  /** The model the bid's work runs: only GPUs of pools that can serve it serve the bid (physics.ts bidServingSpeed). */
  readonly modelClass: string;
  readonly limitUsdPerGpuHour: number;
  readonly gpuHours: number;
  readonly fromHour: number;
  readonly toHour: number;
}

/**
 * An open bid as a site's state carries it (issue 28; core/bids/demand-curve.ts builds it from a stored bid and turns
 * it into a BidBlock; core/bids/clearing.ts fills it).
 */
export interface OpenBid {
  readonly id: string;
  readonly tenantId: string;
  readonly modelClass: string;
  readonly limitUsdPerGpuHour: number;
  /** Work still wanted, H100-equivalent GPU-hours. */
  readonly remainingGpuHours: number;
  readonly allOrNothing: boolean;
  /** ISO instant; earlier placed wins a tie on the limit. */
  readonly placedAt: string;
  readonly status: string;
  readonly earliestStartMs: number;
  readonly deadlineMs: number;
}

/** Flex work waiting, by the hour it falls due (measured from the horizon start). */
export interface FlexCohort {
  readonly dueInHours: number;
  readonly gpuHours: number;
}

/** Where a site stands at the start of a decision. */
export interface SiteState {
  readonly unitsOn: Readonly<Record<string, number>>;
  /** Units started / stopped in the recent past, for minimum up/down times. */
  readonly recentStarts: Readonly<Record<string, ReadonlyArray<{ hoursAgo: number; units: number }>>>;
  readonly recentStops: Readonly<Record<string, ReadonlyArray<{ hoursAgo: number; units: number }>>>;
  readonly gpusPowered: Readonly<Record<string, number>>;
  readonly flexBacklog: readonly FlexCohort[];
  /** Site power before a demand-response deployment: the baseline it must shed from. */
  readonly drBaselineKw: number;
  /** Open bids for flex capacity routed to the site (issue 28): the demand curve beside mining. @default none */
  readonly openBids?: readonly OpenBid[];
}

/** One ancillary product the site may offer over the horizon (core/ancillary/products.ts). */
export interface AncillaryProductTerms {
  readonly product: AncillaryProduct;
  /**
   * Capacity price per horizon step, $/MW per hour; undefined where the price is not known at the decision (nothing
   * is offered there). ERS: the contract's capacity payment in every step.
   */
  readonly priceUsdPerMwh: readonly (number | undefined)[];
  /** Most MW the site may offer (the registry's qualified MW; ERS: the contract's committed MW). */
  readonly maxOfferMw: number;
  /** ERS: the contracted MW must be held in every step; shortfall pays the availability loss and the expected penalty. */
  readonly heldMw?: number;
  readonly shortfallPenaltyUsdPerMwh?: number;
  /** Chance a held MW is deployed in an hour (core/ancillary/deployment-history.ts). */
  readonly deploymentProbability: number;
}

/** The ancillary side of a co-optimised site problem; absent: energy only. */
export interface AncillaryTerms {
  readonly products: readonly AncillaryProductTerms[];
}

export interface SiteProblem {
  readonly site: Site;
  readonly horizon: SiteHorizon;
  readonly state: SiteState;
  readonly demand: DemandClassTerms;
  readonly grid: GridTerms;
  /** Extra $/MWh on energy from a fleet coordination step (Lagrangian price of a shared cap); 0 when uncoupled. */
  readonly couplingPriceUsdPerMwh?: readonly number[];
  /** Site power cap tighter than the interconnect (share of a shared cap); kW per step. */
  readonly capKw?: readonly number[];
  /** The end of the horizon must not leave more flex backlog than it started with (priced slack). */
  readonly terminalBacklog?: boolean;
  /** Ancillary capacity offers co-optimised with energy (issue 25). @default none */
  readonly ancillary?: AncillaryTerms;
  /** Open bids as a demand curve beside mining (issue 28). @default none */
  readonly bids?: readonly BidBlock[];
}

/** Decision for one step of one site, in physical units (what the simulator scores and the Plan carries). */
export interface SiteDecision {
  readonly asic: ReadonlyArray<{ groupId: string; unitsOn: number; powerPerUnitW: number }>;
  readonly gpu: ReadonlyArray<{
    poolId: string;
    gpusPowered: number;
    servingGuaranteed: number;
    servingFlex: number;
    /** GPUs serving bids (issue 28), of every model class; absent without bids. */
    servingBids?: number;
  }>;
  /** GPU-hours the plan gives each bid in the step, by bid id; absent without bids. */
  readonly bidGpuHours?: Readonly<Record<string, number>>;
  /** Capacity offered per product in the step and the price assumed; absent when the site offers none. */
  readonly ancillary?: ReadonlyArray<{ product: AncillaryProduct; offeredMw: number; assumedPriceUsdPerMwh: number }>;
}

export type SolveMode = 'lp' | 'milp';
