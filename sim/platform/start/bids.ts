import type { BidVenues } from '../../../functions/bids/clear-interval.js';
import { fillVenues } from '../../../functions/bids/fill-work.js';
import { DynamoBidStore } from '../../../functions/shared/data/bid-store.js';
import { DynamoJobStore } from '../../../functions/shared/data/job-store.js';
import { DynamoWorkloadStore } from '../../../functions/shared/data/workload-store.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import { watchBidMarket } from '../bid-market.js';
import { type RunningBidders, startSimulatedBidders } from '../bidders.js';
import type { GpuWork } from '../gpu-work.js';
import type { LocalApi } from '../local-api.js';
import type { PlatformObserver } from '../observer.js';
import type { PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import { LOCAL_TABLE_NAME, localDocumentClient } from './stand-ins.js';
import type { Stops } from './stops.js';

/** Mean size of a simulated bid on the local platform, H100-equivalent GPU-hours. */
const MEAN_BID_GPU_HOURS = 0.5;

/**
 * Step 11 (issue 28): the bid market. The dashboard's observer shows the order book and the clearings read from the
 * bid store; two tenants' simulated bidders place (and now and then cancel) bids through the API, which dispatch
 * plans beside mining and clears. No bidders with `--bids-per-hour 0` or without a model served.
 */
export function startBidMarket(
  o: {
    readonly options: PlatformOptions;
    readonly clock: SimClock;
    readonly apiUrl: string;
    readonly localApi: LocalApi;
    readonly dynamo: RunningDynamoDbLocal;
    readonly observer: PlatformObserver;
    readonly models: readonly string[];
  },
  stops: Stops,
): RunningBidders | undefined {
  const store = new DynamoBidStore({ client: localDocumentClient(o.dynamo), tableName: LOCAL_TABLE_NAME });
  const market = watchBidMarket(store, () => o.clock.nowMs());
  o.observer.setBidMarket(market.view);
  stops.push(async () => market.stop());
  if (o.options.bidsPerHour <= 0 || o.models.length === 0) return undefined;
  const bidders = startSimulatedBidders({
    apiUrl: o.apiUrl,
    bidders: [o.localApi.demo, o.localApi.bidder].map((t) => ({ tenantId: t.tenantId, apiKey: t.apiKey })),
    clock: o.clock,
    bidsPerHour: o.options.bidsPerHour,
    modelIds: o.models,
    seed: o.options.seed,
    // Each fill runs as requests of at most 1 M tokens (core/bids/fill-work.ts): bids of half an H100-hour on
    // average (~11 requests of the 8B model, ~2 of the 70B) keep the local platform's job count near the customers'.
    meanBidGpuHours: MEAN_BID_GPU_HOURS,
  });
  stops.push(async () => bidders.stop());
  return bidders;
}

/**
 * Where dispatch's clearing puts fills on the local platform: each fill's work as bid-tier workloads for the router
 * (kicked at once) and, for bids no site can take in time, the virtual partner through the partner runner.
 */
export function bidVenuesOf(o: {
  readonly gpuWork: GpuWork;
  readonly dynamo: RunningDynamoDbLocal;
  readonly clock: SimClock;
}): BidVenues {
  const store = { client: localDocumentClient(o.dynamo), tableName: LOCAL_TABLE_NAME };
  const workloads = new DynamoWorkloadStore(store);
  return fillVenues({
    workloads,
    jobs: new DynamoJobStore(store, workloads),
    ...(o.gpuWork.partners ? { partners: o.gpuWork.partners } : {}),
    events: o.gpuWork.events,
    clock: o.clock,
    onCreated: () => void o.gpuWork.routing.kick(),
  });
}
