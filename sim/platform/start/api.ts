import type { Clock } from '../../../core/support/clock.js';
import { type RunningApiAdapter, startApiAdapter } from '../../local/api-gateway-adapter.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import type { RunningControlLoop } from '../control-loop.js';
import type { InjectionRequest, InjectionResult } from '../injections.js';
import { type LocalApi, loadLocalApi } from '../local-api.js';
import { localRoutes } from '../local-routes.js';
import type { MarketFeed } from '../market-feed.js';
import type { PlatformObserver } from '../observer.js';
import type { PlatformOptions } from '../options.js';
import { LOCAL_TABLE_NAME, localDocumentClient } from './stand-ins.js';
import type { Stops } from './stops.js';

export interface ApiOptions {
  readonly options: PlatformOptions;
  readonly dynamo: RunningDynamoDbLocal;
  readonly control: RunningControlLoop;
  readonly observer: PlatformObserver;
  readonly feed: MarketFeed;
  readonly inject: (request: InjectionRequest) => Promise<InjectionResult>;
  /** The platform's (simulated) clock: the API dates workloads, usage and statements by it. */
  readonly clock: Clock;
}

/**
 * Step 7, the API: the real Lambda handlers and authorizer behind the API Gateway adapter, and beside them the
 * dashboard and the local routes (observer JSON, platform info, injections).
 */
export async function startApi(o: ApiOptions, stops: Stops): Promise<{ localApi: LocalApi; api: RunningApiAdapter }> {
  const localApi = await loadLocalApi(LOCAL_TABLE_NAME, localDocumentClient(o.dynamo), o.control.switchFlows, o.clock);
  let apiUrl = '';
  const api = await startApiAdapter({
    host: o.options.host,
    port: o.options.port,
    routes: [
      ...localApi.routes,
      ...localRoutes({
        state: () => o.observer.snapshot(),
        info: () => ({
          apiUrl,
          speed: o.options.speed,
          market: o.feed.description,
          available: localApi.available,
          demoApiKey: localApi.demo.apiKey,
        }),
        inject: o.inject,
      }),
    ],
    authorizer: localApi.authorizer,
    ...(localApi.rateLimiter ? { rateLimiter: localApi.rateLimiter } : {}),
  });
  apiUrl = api.url;
  stops.push(api.stop);
  return { localApi, api };
}
