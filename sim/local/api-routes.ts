import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import { type ApiKey, apiKeyHash, formatApiKeySecret } from '../../core/api/api-keys.js';
import type { Role } from '../../core/api/principal.js';
import { RateLimiter } from '../../core/api/rate-limit.js';
import { USAGE_PLAN_LIMITS, type UsagePlan } from '../../core/api/tenants.js';
import type { Clock } from '../../core/support/clock.js';
import type { ApiRoute, ProxyHandler } from '../../functions/api/route.js';
import { API_ROUTES } from '../../functions/api/routes.js';
import {
  type ApiRuntime,
  createApiRuntime,
  useLocalAuditChainer,
  useLocalClock,
  useLocalSiteConfigPublisher,
  useLocalSwitchFlows,
} from '../../functions/api/runtime.js';
import type { SwitchFlowStarter } from '../../functions/api/switch-flows.js';
import { type AuthPorts, authenticate } from '../../functions/auth/decide.js';
import { type Jwks, jwksJwtVerifier } from '../../functions/auth/jwt.js';
import { MemorySiteConfigPublisher } from '../../functions/fleet/adapters/memory-site-config-publisher.js';
import type { SiteConfigPublisher } from '../../functions/fleet/ports.js';
import { auditOutbox, outboxCommitted } from '../../functions/shared/data/audit-log.js';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import { HttpError } from '../../functions/shared/http.js';
import { type LocalAuthorizer, type Route, startApiAdapter } from './api-gateway-adapter.js';
import { LocalAuditChainer } from './audit-chainer.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from './dynamodb-local.js';

/**
 * The real API behind the local API Gateway adapter: every route of the route table with its real handler, and a
 * LocalAuthorizer that runs the deployed authorizer's decision (functions/auth/decide.ts) against DynamoDB Local and,
 * when configured, a local JWKS, then checks the route's roles as API Gateway + requireRole do.
 *
 *   const api = createLocalApi({ tableName: 'hcp-local' });
 *   const adapter = await startApiAdapter({ routes: api.routes, authorizer: api.authorizer });
 *   const { apiKey } = await api.seedDemoTenant();
 */
export interface LocalApiOptions {
  readonly tableName: string;
  /** @default a document client for AWS_ENDPOINT_URL_DYNAMODB */
  readonly client?: DynamoDBDocumentClient;
  /** Accept bearer JWTs signed by this local issuer. @default bearer tokens are refused */
  readonly jwt?: { readonly issuer: string; readonly audience: string; readonly jwks: Jwks };
  /** Where registry changes send the gateways' configuration (the broker's shadow stand-in). @default kept in memory */
  readonly siteConfigPublisher?: SiteConfigPublisher;
  /** @default API_ROUTES */
  readonly routeTable?: readonly ApiRoute[];
  /** Where operator overrides start their SwitchFlow. @default refused: no local control loop to run it */
  readonly switchFlows?: SwitchFlowStarter;
  /**
   * Throttle each tenant by its usage plan, as the deployed API does (LocalApi.rateLimiter, for the adapter).
   * @default false: the suites that burst one tenant on purpose (the idempotency race, fuzzing) run unthrottled
   */
  readonly rateLimit?: boolean;
  /**
   * The throttle's clock (ms). @default the wall clock, as API Gateway's; a test drives it to burst past a plan
   * whatever the machine's load (the platform's `clock` may run faster than real time, so it is not reused here)
   */
  readonly rateLimitClockMs?: () => number;
  /** The platform's clock, which dates workloads, usage and statements. @default the system clock */
  readonly clock?: Clock;
}

/** Without a control loop (API-only tests and benches) an override has no flow to run: a 503 says so. */
const noSwitchFlows: SwitchFlowStarter = {
  start: async () => {
    throw new HttpError(503, 'switching-unavailable', 'no switching flow runs in this local API');
  },
};

export interface DemoTenant {
  readonly tenantId: string;
  /** customer-user key of the demo tenant. */
  readonly apiKey: string;
  /** customer-admin key of the demo tenant: its API keys, users and webhook. */
  readonly customerAdminApiKey: string;
  /** admin key (platform tenant). */
  readonly adminApiKey: string;
  /** operator key (platform tenant). */
  readonly operatorApiKey: string;
}

export interface LocalApi {
  readonly routes: Route[];
  readonly authorizer: LocalAuthorizer;
  readonly runtime: ApiRuntime;
  /** Creates the demo tenant (once) and a fresh key per role; the secrets are returned, only hashes stored. */
  seedDemoTenant(tenantId?: string): Promise<DemoTenant>;
  /** A new API key for any tenant and role, bypassing the HTTP API (tests, tooling). */
  issueApiKey(tenantId: string, role: Role, name?: string): Promise<string>;
  /** With `rateLimit`: the per-tenant buckets, for `startApiAdapter({ rateLimiter })`. */
  readonly rateLimiter?: RateLimiter;
  /** Links committed audit events into the chain (the stream and chain Lambda's part in AWS). */
  readonly auditChainer: LocalAuditChainer;
}

export const DEMO_TENANT_ID = 'demo';

/** Loads a route's handler on its first request, as a cold Lambda would. */
function lazyHandler(route: ApiRoute): ProxyHandler {
  let loaded: Promise<ProxyHandler> | undefined;
  return async (event, context) => {
    loaded ??= route.load();
    return (await loaded)(event, context);
  };
}

/**
 * The platform tenant (operators, admins) has no tenant record and so no plan; in AWS it is onboarded like any tenant.
 * Locally it gets the premium limits: operator tooling is throttled, at the highest plan's limits.
 */
export const PLATFORM_USAGE_PLAN: UsagePlan = 'premium';

/**
 * Which plan throttles a tenant: its record's `usagePlan`. A key issued for a tenant without a record (tests bypass
 * onboarding) gets `standard`, the plan a new tenant defaults to; the deployed API would refuse it (no usage key).
 */
export type UsagePlanOf = (tenantId: string) => Promise<UsagePlan>;

/** How long the local API keeps a tenant's plan: a plan change takes effect within a minute. */
const PLAN_CACHE_MS = 60_000;

export function createLocalAuthorizer(
  table: readonly ApiRoute[],
  ports: AuthPorts,
  usagePlanOf?: UsagePlanOf,
): LocalAuthorizer {
  const rolesOf = new Map(table.map((route) => [`${route.method} ${route.resource}`, route.roles]));
  return async (request) => {
    const decision = await authenticate(request.headers, ports);
    if (!decision.allow) return { allow: false, statusCode: decision.statusCode, message: decision.reason };
    const { principal } = decision;
    const roles = rolesOf.get(`${request.method} ${request.resource}`);
    if (roles !== 'public' && !roles?.includes(principal.role)) {
      return { allow: false, statusCode: 403, message: `role ${principal.role} may not call this route` };
    }
    // Locally a tenant's usage key is its id: one key per tenant, as onboarding gives each tenant its own.
    const usage = usagePlanOf
      ? { key: principal.tenantId, limits: USAGE_PLAN_LIMITS[await usagePlanOf(principal.tenantId)] }
      : undefined;
    return { allow: true, principalId: principal.principalId, context: { ...principal }, ...(usage ? { usage } : {}) };
  };
}

export function createLocalApi(options: LocalApiOptions): LocalApi {
  // The handlers read TABLE_NAME as the deployed functions do.
  process.env.TABLE_NAME = options.tableName;
  const table = options.routeTable ?? API_ROUTES;
  const switchFlows = options.switchFlows ?? noSwitchFlows;
  useLocalSwitchFlows(switchFlows);
  useLocalClock(options.clock);
  const client = options.client ?? createDocumentClient();
  const auditChainer = new LocalAuditChainer({ client, tableName: options.tableName });
  useLocalAuditChainer(auditChainer.wake);
  const siteConfigPublisher = options.siteConfigPublisher ?? new MemorySiteConfigPublisher();
  useLocalSiteConfigPublisher(siteConfigPublisher);
  const runtime = createApiRuntime(options.tableName, client, options.clock, switchFlows, {}, siteConfigPublisher);
  const ports: AuthPorts = {
    lookupApiKey: (hash) => runtime.apiKeys.lookup(hash),
    userRole: async (tenantId, userId) => (await runtime.tenants.getUserRole(tenantId, userId))?.role,
    ...(options.jwt ? { verifyJwt: jwksJwtVerifier(options.jwt) } : {}),
  };
  const routes: Route[] = table.map((route) => ({
    method: route.method,
    resource: route.resource,
    handler: lazyHandler(route),
    public: route.roles === 'public',
  }));

  async function issueApiKey(tenantId: string, role: Role, name = `${role} key`): Promise<string> {
    const key: ApiKey = {
      keyId: `key-${runtime.randomHex(8)}`,
      tenantId,
      name,
      role,
      createdAt: new Date(runtime.clock.nowMs()).toISOString(),
      createdBy: 'local-seed',
    };
    const secret = formatApiKeySecret(key.keyId, runtime.randomSecret());
    const audited = auditOutbox(runtime.audit, {
      actor: 'local-seed',
      tenantId,
      action: 'api-key.create',
      target: `api-key/${key.keyId}`,
      requestId: 'seed',
      detail: { role },
    });
    await runtime.apiKeys.create(key, apiKeyHash(secret), audited.items);
    outboxCommitted(runtime.audit, audited);
    return secret;
  }

  async function seedDemoTenant(tenantId = DEMO_TENANT_ID): Promise<DemoTenant> {
    await runtime.tenants.create({
      tenantId,
      name: 'Demo customer',
      usagePlan: 'standard',
      createdAt: new Date(runtime.clock.nowMs()).toISOString(),
      createdBy: 'local-seed',
    });
    return {
      tenantId,
      apiKey: await issueApiKey(tenantId, 'customer-user', 'demo customer'),
      customerAdminApiKey: await issueApiKey(tenantId, 'customer-admin', 'demo customer admin'),
      adminApiKey: await issueApiKey(PLATFORM_TENANT_ID, 'admin', 'demo admin'),
      operatorApiKey: await issueApiKey(PLATFORM_TENANT_ID, 'operator', 'demo operator'),
    };
  }

  // API Gateway resolves a usage key's plan itself, not from the table on each request; a minute's cache stands in.
  const plans = new Map<string, { readonly plan: Promise<UsagePlan>; readonly atMs: number }>();
  const usagePlanOf: UsagePlanOf = (tenantId) => {
    if (tenantId === PLATFORM_TENANT_ID) return Promise.resolve(PLATFORM_USAGE_PLAN);
    const cached = plans.get(tenantId);
    if (cached && Date.now() - cached.atMs < PLAN_CACHE_MS) return cached.plan;
    const plan = runtime.tenants.get(tenantId).then((tenant) => tenant?.usagePlan ?? 'standard');
    plans.set(tenantId, { plan, atMs: Date.now() });
    plan.catch(() => plans.delete(tenantId));
    return plan;
  };
  return {
    routes,
    authorizer: createLocalAuthorizer(table, ports, options.rateLimit ? usagePlanOf : undefined),
    runtime,
    seedDemoTenant,
    issueApiKey,
    ...(options.rateLimit ? { rateLimiter: new RateLimiter(options.rateLimitClockMs) } : {}),
    auditChainer,
  };
}

export interface LocalApiServer {
  readonly url: string;
  readonly api: LocalApi;
  readonly dynamo: RunningDynamoDbLocal;
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local, the table, and the real API behind the adapter on a free loopback port: the API part of
 * `npm start` on its own, for integration tests and `npm run bench:api`. Points this process's AWS SDK at the
 * stand-in through the environment, as `npm start` does.
 */
export async function startLocalApiServer(
  options: Partial<Omit<LocalApiOptions, 'client'>> = {},
): Promise<LocalApiServer> {
  const dynamo = await startDynamoDbLocal();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION = LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  const tableName = options.tableName ?? 'hcp-local';
  const admin = localDynamoDbClient(dynamo.endpoint);
  await ensureTable(admin, tableName).finally(() => admin.destroy());
  const documents = createDocumentClient();
  const api = createLocalApi({ ...options, tableName, client: documents });
  const adapter = await startApiAdapter({
    routes: api.routes,
    authorizer: api.authorizer,
    onHandlerError: () => {},
    ...(api.rateLimiter ? { rateLimiter: api.rateLimiter } : {}),
  });
  return {
    url: adapter.url,
    api,
    dynamo,
    documents,
    tableName,
    async stop() {
      await adapter.stop();
      documents.destroy();
      await dynamo.stop();
    },
  };
}
