import { DynamoBidStore } from '../../../functions/shared/data/bid-store.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import { watchBidMarket } from '../bid-market.js';
import { type RunningBidders, startSimulatedBidders } from '../bidders.js';
import type { LocalApi } from '../local-api.js';
import type { PlatformObserver } from '../observer.js';
import type { PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import { LOCAL_TABLE_NAME, localDocumentClient } from './stand-ins.js';
import type { Stops } from './stops.js';

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
  });
  stops.push(async () => bidders.stop());
  return bidders;
}
