import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimiter } from '../../core/api/rate-limit.js';
import type { Clock } from '../../core/support/clock.js';
import type { SwitchFlowStarter } from '../../functions/api/switch-flows.js';
import type { SiteConfigPublisher } from '../../functions/fleet/ports.js';
import type { LocalAuthorizer, Route } from '../local/api-gateway-adapter.js';
import { createLocalApi, type DemoTenant } from '../local/api-routes.js';

/**
 * The whole API behind the local adapter: the route table (public, customer, admin and operator routes) with its
 * authorizer, a seeded demo tenant, and operator overrides started on the local control loop's SwitchFlow runner.
 */
export type { DemoTenant };

export interface LocalApi {
  readonly routes: readonly Route[];
  readonly authorizer: LocalAuthorizer;
  readonly rateLimiter?: RateLimiter;
  readonly demo: DemoTenant;
  /** A second customer tenant, for the simulated bidders beside the demo tenant (issue 28). */
  readonly bidder: DemoTenant;
  /** What the dashboard and the banner link to. */
  readonly available: { readonly workloads: boolean; readonly operator: boolean; readonly openapi?: string };
}

export async function loadLocalApi(
  tableName: string,
  client: DynamoDBDocumentClient,
  switchFlows: SwitchFlowStarter,
  clock: Clock,
  siteConfigPublisher?: SiteConfigPublisher,
): Promise<LocalApi> {
  // Each tenant throttled by its usage plan, as API Gateway does in AWS (429 with Retry-After).
  const api = createLocalApi({
    tableName,
    client,
    switchFlows,
    rateLimit: true,
    clock,
    ...(siteConfigPublisher ? { siteConfigPublisher } : {}),
  });
  return {
    routes: api.routes,
    authorizer: api.authorizer,
    ...(api.rateLimiter ? { rateLimiter: api.rateLimiter } : {}),
    demo: await api.seedDemoTenant(),
    bidder: await api.seedDemoTenant('bidder-b'),
    available: { workloads: true, operator: true, openapi: '/v1/openapi.json' },
  };
}
