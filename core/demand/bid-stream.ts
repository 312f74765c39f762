import { BID_FLOOR_USD_PER_GPU_HOUR, roundGpuHours } from '../bids/bid.js';
import type { OpenBid } from '../bids/demand-curve.js';
import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import { normal, type Rng, seededRng } from '../support/random.js';

/**
 * A seeded synthetic bid stream for backtests and the local platform's bidders (issue 28). Bids arrive as a Poisson
 * process whose mean work is `arrivalShare` of the site's GPU capacity; each bid's limit is the published floor plus
 * a lognormal premium (median `medianPremiumUsdPerGpuHour`: an assumption, no public bid data was found; H100 rental
 * prices of 2024–25 span ~$2–4 per GPU-hour on demand, more for short-notice capacity); its window opens within two
 * hours of placement and lasts 2–12 hours (at least the job on its most GPUs); a share is all-or-nothing.
 */
export interface BidStreamParams {
  /** Mean bid work arriving per hour, as a share of the site's GPU capacity per hour. */
  readonly arrivalShare: number;
  readonly medianPremiumUsdPerGpuHour: number;
  /** Standard deviation of the log premium. */
  readonly premiumSigma: number;
  readonly allOrNothingShare: number;
  /** Mean size of one bid, as hours of the whole site's capacity. */
  readonly meanBidSiteHours: number;
  readonly seed: number;
}

/** Knuth's method: fine for the small means of one step. */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k += 1;
    p *= rng.next();
  }
  return k;
}

/** The terms of one bid placed at `placedMs`: its work, limit, window and all-or-nothing flag. */
export interface SampledBidTerms {
  readonly gpuHours: number;
  readonly limitUsdPerGpuHour: number;
  readonly earliestStartMs: number;
  readonly deadlineMs: number;
  readonly allOrNothing: boolean;
  readonly maxGpus: number;
}

export function sampleBidTerms(
  rng: Rng,
  params: BidStreamParams,
  meanBidGpuHours: number,
  maxGpus: number,
  placedMs: number,
): SampledBidTerms {
  const gpuHours = Math.max(
    0.01,
    roundGpuHours(Math.round(meanBidGpuHours * Math.exp(0.5 * normal(rng) - 0.125) * 100) / 100),
  );
  const premium = params.medianPremiumUsdPerGpuHour * Math.exp(params.premiumSigma * normal(rng));
  const earliestStartMs = placedMs + Math.floor(rng.next() * 8) * 15 * 60_000;
  const windowHours = Math.max(gpuHours / maxGpus, 2 + rng.next() * 10);
  return {
    gpuHours,
    limitUsdPerGpuHour: Math.round((BID_FLOOR_USD_PER_GPU_HOUR + premium) * 100) / 100,
    earliestStartMs,
    // Whole seconds past the work's need: an API client sends instants, and the window must not round below the job.
    deadlineMs: earliestStartMs + Math.ceil(windowHours * 3600 + 1) * 1000,
    allOrNothing: rng.next() < params.allOrNothingShare,
    maxGpus,
  };
}

/** Per step of the grid, the bids placed during it (placed at the step's start, cleared from it on). */
export function bidStream(
  site: Site,
  params: BidStreamParams,
  startMs: number,
  stepMinutes: number,
  steps: number,
  siteIndex: number,
  tenants: readonly string[] = ['bidder-a', 'bidder-b'],
): OpenBid[][] {
  const rng = seededRng(params.seed * 1000 + siteIndex);
  const capacityGpuHoursPerHour = site.gpuPools.reduce((a, p) => a + p.count * gpuSpeed(p), 0);
  const meanBidGpuHours = Math.max(1, capacityGpuHoursPerHour * params.meanBidSiteHours);
  const stepHours = stepMinutes / 60;
  const perStep = (capacityGpuHoursPerHour * params.arrivalShare * stepHours) / meanBidGpuHours;
  const maxGpus = Math.max(1, Math.min(64, Math.round(capacityGpuHoursPerHour)));
  const out: OpenBid[][] = [];
  for (let t = 0; t < steps; t += 1) {
    const placedMs = startMs + t * stepMinutes * 60_000;
    const arrivals: OpenBid[] = [];
    for (let n = poisson(rng, perStep); n > 0; n -= 1) {
      const terms = sampleBidTerms(rng, params, meanBidGpuHours, maxGpus, placedMs);
      arrivals.push({
        id: `bid-${siteIndex}-${t}-${n}`,
        tenantId: tenants[Math.floor(rng.next() * tenants.length)]!,
        modelClass: 'meta-llama/Llama-3.1-70B-Instruct',
        limitUsdPerGpuHour: terms.limitUsdPerGpuHour,
        remainingGpuHours: terms.gpuHours,
        allOrNothing: terms.allOrNothing,
        placedAt: new Date(placedMs).toISOString(),
        status: 'open',
        earliestStartMs: terms.earliestStartMs,
        deadlineMs: terms.deadlineMs,
      });
    }
    out.push(arrivals);
  }
  return out;
}
