import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../../core/support/clock.js';
import { MemorySiteConfigPublisher } from '../../../functions/fleet/adapters/memory-site-config-publisher.js';
import type { SiteConfigPublisher } from '../../../functions/fleet/ports.js';
import { type Route, type RunningApiAdapter, startApiAdapter } from '../../local/api-gateway-adapter.js';
import type { ShadowService } from '../../local/device-shadows.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import type { LocalCertificateAuthority } from '../../local/local-ca.js';
import { ShadowSiteConfigPublisher } from '../../local/shadow-site-config-publisher.js';
import type { RunningControlLoop } from '../control-loop.js';
import type { InjectionRequest, InjectionResult } from '../injections.js';
import { type LocalApi, loadLocalApi } from '../local-api.js';
import { localRoutes } from '../local-routes.js';
import type { MarketFeed } from '../market-feed.js';
import type { PlatformObserver } from '../observer.js';
import type { PlatformOptions } from '../options.js';
import { type DashboardTls, dashboardTls } from './dashboard-tls.js';
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
  /** The platform's CA (the broker's): with `--tls` it issues the dashboard's server certificate. */
  readonly ca: LocalCertificateAuthority;
  /** The broker's Device Shadow service: where the API sets the pools' deployments and reads their state. */
  readonly shadows: ShadowService;
}

export interface StartedApi {
  readonly localApi: LocalApi;
  /** What the platform's own clients call (site registration, simulated customers): plain HTTP on loopback. */
  readonly api: RunningApiAdapter;
  /** What people open: `--host`/`--port`, HTTPS with `--tls` (then a second server beside `api`). */
  readonly publicUrl: string;
  readonly tls?: DashboardTls;
}

/**
 * Step 7, the API: the real Lambda handlers and authorizer behind the API Gateway adapter, and beside them the
 * dashboard and the local routes (observer JSON, platform info, injections). With `--tls` the people-facing server
 * speaks HTTPS with a certificate from the platform's CA, and the platform's own clients keep a loopback HTTP server
 * with the same routes (they would otherwise need the CA in Node's trust store).
 */
export async function startApi(o: ApiOptions, stops: Stops): Promise<StartedApi> {
  // The registry's records name the sites' placeholder addresses, so their configurations stay in memory (the
  // gateways run on the virtual hardware's, published by start/sites.ts); the pools' deployments go to the
  // shadows, as in AWS.
  const configs = new MemorySiteConfigPublisher();
  const shadow = new ShadowSiteConfigPublisher(o.shadows);
  const publisher: SiteConfigPublisher = {
    publish: (thingName, config) => configs.publish(thingName, config),
    publishDeployment: (thingName, desired) => shadow.publishDeployment(thingName, desired),
    servingState: (thingName) => shadow.servingState(thingName),
  };
  const localApi = await loadLocalApi(
    LOCAL_TABLE_NAME,
    localDocumentClient(o.dynamo),
    o.control.switchFlows,
    o.clock,
    publisher,
  );
  const tls = o.options.tls
    ? await dashboardTls(
        o.ca,
        o.options.host,
        // Under --data, beside the CA's own files (the root is the same file).
        o.options.data ? path.join(o.options.data, 'ca') : mkdtempSync(path.join(tmpdir(), 'hcp-tls-')),
      )
    : undefined;
  let publicUrl = '';
  const routes: Route[] = [
    ...localApi.routes,
    ...localRoutes({
      state: () => o.observer.snapshot(),
      info: (fromLoopback) => ({
        apiUrl: publicUrl,
        speed: o.options.speed,
        market: o.feed.description,
        available: localApi.available,
        demoApiKey: localApi.demo.apiKey,
        // The operator's key reads the fleet's history; only a caller on this machine is given it.
        ...(fromLoopback ? { operatorApiKey: localApi.demo.operatorApiKey } : {}),
      }),
      inject: o.inject,
    }),
    ...(tls ? [caRoute(tls)] : []),
  ];
  const serve = (at: { host: string; port: number }, withTls?: DashboardTls) =>
    startApiAdapter({
      ...at,
      routes,
      authorizer: localApi.authorizer,
      ...(localApi.rateLimiter ? { rateLimiter: localApi.rateLimiter } : {}),
      ...(withTls ? { tls: { key: withTls.key, cert: withTls.cert } } : {}),
    });
  const api = await serve(tls ? { host: '127.0.0.1', port: 0 } : { host: o.options.host, port: o.options.port });
  stops.push(api.stop);
  publicUrl = api.url;
  if (tls) {
    const secure = await serve({ host: o.options.host, port: o.options.port }, tls);
    stops.push(secure.stop);
    publicUrl = secure.url;
  }
  return { localApi, api, publicUrl, ...(tls ? { tls } : {}) };
}

/** GET /local/ca.crt: the root a phone installs to trust the dashboard (compare its SHA-256 with the banner's). */
function caRoute(tls: DashboardTls): Route {
  return {
    method: 'GET',
    resource: '/local/ca.crt',
    public: true,
    handler: async () => ({
      statusCode: 200,
      headers: {
        'content-type': 'application/x-x509-ca-cert',
        'content-disposition': 'attachment; filename="hcp-local-ca.crt"',
      },
      body: tls.caPem,
    }),
  };
}
