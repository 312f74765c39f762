import { type BidStreamParams, sampleBidTerms } from '../../core/demand/bid-stream.js';
import { DEMAND_SCENARIOS } from '../../core/demand/scenarios.js';
import { seededRng } from '../../core/support/random.js';
import { poissonArrivals } from './poisson-arrivals.js';
import type { SimClock } from './sim-clock.js';

/**
 * Simulated bidders (issue 28): tenants placing bids for flex GPU capacity through the real API, as a client would
 * (`POST /v1/bids` with the tenant's key), at Poisson arrivals on the simulated clock, with the backtest's bid stream
 * terms (core/demand/bid-stream.ts); now and then a bidder cancels one of its open bids (`POST /v1/bids/{id}/cancel`).
 */
export interface SimulatedBiddersOptions {
  readonly apiUrl: string;
  readonly bidders: ReadonlyArray<{ readonly tenantId: string; readonly apiKey: string }>;
  readonly clock: SimClock;
  /** Mean bids per simulated hour over all bidders. */
  readonly bidsPerHour: number;
  /** Models the fleet serves: a bid names one. */
  readonly modelIds: readonly string[];
  readonly seed: number;
  /** @default the bids scenario's stream */
  readonly stream?: BidStreamParams;
  /** Mean size of one bid, GPU-hours. @default 8 */
  readonly meanBidGpuHours?: number;
}

export interface RunningBidders {
  readonly counts: { placed: number; refused: number; cancelled: number };
  stop(): void;
}

/** Share of placements after which the bidder cancels one of its earlier open bids. */
const CANCEL_SHARE = 0.1;

export function startSimulatedBidders(options: SimulatedBiddersOptions): RunningBidders {
  const rng = seededRng(options.seed * 7 + 28);
  const stream = options.stream ?? DEMAND_SCENARIOS.bids!.bids!;
  const counts = { placed: 0, refused: 0, cancelled: 0 };
  const open = new Map<string, string[]>();
  const call = (apiKey: string, path: string, body?: unknown) =>
    fetch(`${options.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const placeOne = async () => {
    const bidder = options.bidders[Math.floor(rng.next() * options.bidders.length)]!;
    const terms = sampleBidTerms(rng, stream, options.meanBidGpuHours ?? 8, 8, options.clock.nowMs());
    const response = await call(bidder.apiKey, '/v1/bids', {
      modelClass: options.modelIds[Math.floor(rng.next() * options.modelIds.length)]!,
      gpuHours: terms.gpuHours,
      limitUsdPerGpuHour: terms.limitUsdPerGpuHour,
      earliestStartAt: new Date(terms.earliestStartMs).toISOString(),
      deadlineAt: new Date(terms.deadlineMs).toISOString(),
      allOrNothing: terms.allOrNothing,
      maxGpus: terms.maxGpus,
    });
    const json = (await response.json().catch(() => ({}))) as { id?: string };
    if (!response.ok || !json.id) {
      counts.refused += 1;
      return;
    }
    counts.placed += 1;
    const mine = open.get(bidder.tenantId) ?? [];
    open.set(bidder.tenantId, [...mine, json.id]);
    if (mine.length > 0 && rng.next() < CANCEL_SHARE) {
      const victim = mine[Math.floor(rng.next() * mine.length)]!;
      open.set(
        bidder.tenantId,
        open.get(bidder.tenantId)!.filter((id) => id !== victim),
      );
      // A bid filled or expired meanwhile answers 409: the cancel is refused, which is what a client sees too.
      if ((await call(bidder.apiKey, `/v1/bids/${encodeURIComponent(victim)}/cancel`)).ok) counts.cancelled += 1;
    }
  };
  const arrive = () =>
    placeOne().catch(() => {
      counts.refused += 1;
    });
  const stop = options.bidders.length > 0 ? poissonArrivals(options.clock, rng, options.bidsPerHour, arrive) : () => {};
  return {
    counts,
    stop,
  };
}
