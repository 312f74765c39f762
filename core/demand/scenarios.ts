import type { OpenBid } from '../bids/demand-curve.js';
import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import { normal, seededRng } from '../support/random.js';
import { type BidStreamParams, bidStream } from './bid-stream.js';

/**
 * GPU inference demand for backtests: per site and step, guaranteed and flex arrivals in H100-equivalent GPU-hours.
 * Pure and seeded. Load is a share of the site's GPU capacity with a diurnal shape (business-hours peak, after the
 * request-rate curves published for public LLM APIs, e.g. Azure LLM inference traces 2023) and lognormal noise.
 */
export interface DemandScenarioParams {
  readonly name: string;
  /** Mean arrivals as a share of the site's GPU capacity. */
  readonly guaranteedShare: number;
  readonly flexShare: number;
  /** Peak-to-mean swing of the diurnal shape (0 = flat). */
  readonly diurnalAmplitude: number;
  /** Standard deviation of the log noise per step. */
  readonly noiseSigma: number;
  readonly seed: number;
  /** A bid stream in place of the flex sheet's work (issue 28). @default none */
  readonly bids?: BidStreamParams;
}

export const DEMAND_SCENARIOS: Readonly<Record<string, DemandScenarioParams>> = {
  steady: { name: 'steady', guaranteedShare: 0.35, flexShare: 0.3, diurnalAmplitude: 0.4, noiseSigma: 0.15, seed: 7 },
  busy: { name: 'busy', guaranteedShare: 0.55, flexShare: 0.4, diurnalAmplitude: 0.3, noiseSigma: 0.2, seed: 11 },
  // The fixed sheet's guaranteed work (steady) with flex work sold through bids instead of at the sheet's flex rate:
  // the same mean volume as steady's flex (30% of capacity), so the comparison is the price, not the volume.
  bids: {
    name: 'bids',
    guaranteedShare: 0.35,
    flexShare: 0,
    diurnalAmplitude: 0.4,
    noiseSigma: 0.15,
    seed: 7,
    bids: {
      arrivalShare: 0.3,
      medianPremiumUsdPerGpuHour: 2.5,
      premiumSigma: 0.6,
      allOrNothingShare: 0.25,
      meanBidSiteHours: 0.1,
      seed: 28,
    },
  },
  none: { name: 'none', guaranteedShare: 0, flexShare: 0, diurnalAmplitude: 0, noiseSigma: 0, seed: 1 },
};
export const DEFAULT_DEMAND_SCENARIO = 'steady';

export interface SiteDemand {
  readonly guaranteedGpuHours: number[];
  readonly flexGpuHours: number[];
  /** The same without noise: what a forecaster of demand would expect. */
  readonly expectedGuaranteedGpuHours: number[];
  readonly expectedFlexGpuHours: number[];
  /** Bids placed in each step (the bids scenario only). */
  readonly bidArrivals?: OpenBid[][];
}

/** Hour of day in US Central standard time (UTC−6): enough for a demand shape. */
function centralHour(atMs: number): number {
  return (((atMs / 3_600_000 - 6) % 24) + 24) % 24;
}

export function siteDemand(
  site: Site,
  params: DemandScenarioParams,
  startMs: number,
  stepMinutes: number,
  steps: number,
  siteIndex: number,
): SiteDemand {
  const rng = seededRng(params.seed * 1000 + siteIndex);
  const capacityGpuHoursPerHour = site.gpuPools.reduce((a, p) => a + p.count * gpuSpeed(p), 0);
  const dt = stepMinutes / 60;
  const out: SiteDemand = {
    guaranteedGpuHours: [],
    flexGpuHours: [],
    expectedGuaranteedGpuHours: [],
    expectedFlexGpuHours: [],
  };
  for (let t = 0; t < steps; t += 1) {
    const hour = centralHour(startMs + t * stepMinutes * 60_000);
    // Peak at 14:00 local, trough at 02:00.
    const shape = 1 + params.diurnalAmplitude * Math.cos(((hour - 14) / 24) * 2 * Math.PI);
    const eg = capacityGpuHoursPerHour * params.guaranteedShare * shape * dt;
    const ef = capacityGpuHoursPerHour * params.flexShare * dt;
    const noise = () => Math.exp(params.noiseSigma * normal(rng) - (params.noiseSigma * params.noiseSigma) / 2);
    out.expectedGuaranteedGpuHours.push(eg);
    out.expectedFlexGpuHours.push(ef);
    out.guaranteedGpuHours.push(eg * noise());
    out.flexGpuHours.push(ef * noise());
  }
  return params.bids
    ? { ...out, bidArrivals: bidStream(site, params.bids, startMs, stepMinutes, steps, siteIndex) }
    : out;
}
