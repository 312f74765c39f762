import { randomUUID } from 'node:crypto';
import { CUSTOMER_ROLES, PLATFORM_TENANT_ID } from '../../core/api/access.js';
import type { Role } from '../../core/api/principal.js';
import type { ApiRoute } from '../../functions/api/route.js';
import { validWorkloadRequest } from '../support/fixtures.js';
import { type AbuseHarness, type RawResponse, startAbuseHarness, Tally } from './support/api-client.js';
import {
  ABSENT_IDS,
  API_ROUTES,
  type ExampleIds,
  exampleFor,
  fieldNames,
  type RequestParts,
  routeName,
  toRawRequest,
} from './support/api-routes.js';
import { recordFigure } from './support/figures.js';

/**
 * The tenant isolation matrix: three tenants, each owning workloads, API keys, users, audit entries and usage. Every
 * customer principal of each tenant (customer-user and customer-admin keys) calls every route that takes an object id
 * or a tenant scope with every other tenant's ids, and with another tenant named in the query or body. Nothing of the
 * other tenant may be read (404 or 403, never a 2xx carrying its data) or written (its objects and audit chain read
 * back identical). The matrix is generated from API_ROUTES: a new route joins it by its fields, or must be excluded
 * below with a reason. Admins are not callers here: they manage every tenant by design (core/api/access.ts).
 */

const TENANTS = ['iso-alpha', 'iso-bravo', 'iso-charlie'] as const;
type Tenant = (typeof TENANTS)[number];
const PERIOD = '2026-11';

/** The request fields that name a tenant-owned object, and the kind of object each names. */
const OWNED_FIELDS = {
  tenantId: 'tenantIds',
  chain: 'tenantIds',
  workloadId: 'workloadIds',
  keyId: 'keyIds',
  userId: 'userIds',
} as const satisfies Record<string, keyof Owned>;
type OwnedField = keyof typeof OWNED_FIELDS;

/** Routes without a tenant-owned object or scope, and why. Every other route is in the matrix. */
const EXCLUDED: Record<string, string> = {
  'GET /v1/health': 'public liveness probe; no tenant data',
  'GET /v1/openapi.json': 'public API document; no tenant data',
  'GET /v1/tenants':
    'admin-only list of all tenants; admins see every tenant by design, customers get 403 (auth suite)',
  'GET /v1/sites': 'operator fleet view: sites belong to the platform, not to a tenant',
  'GET /v1/sites/{siteId}': 'operator fleet view: sites belong to the platform, not to a tenant',
  'GET /v1/plans/current': 'operator fleet view: the dispatch plan is the platform’s',
  'GET /v1/plans': 'operator fleet view: the dispatch plan history is the platform’s',
  'GET /v1/market': 'operator fleet view: market prices are not tenant data',
  'GET /v1/sites/{siteId}/switches': 'operator fleet view: switch history of platform sites',
  'POST /v1/sites/{siteId}/overrides': 'operator action on a platform site',
  'DELETE /v1/sites/{siteId}/overrides/current': 'operator action on a platform site',
  'PUT /v1/sites/{siteId}/power-limit': 'operator action on a platform site',
  'GET /v1/grid-events': 'operator fleet view: grid events of platform sites',
  'GET /v1/grid-events/{gridEventId}/evidence': 'operator fleet view: M&V evidence of platform sites’ grid events',
  'GET /v1/sites/{siteId}/gpu-nodes': 'operator fleet view: GPU nodes of platform sites',
  'POST /v1/sites/{siteId}/gpu-nodes/{nodeId}/{action}': 'operator action on a platform site',
  'GET /v1/fleet/gpu-figures': 'operator figures summed over every tenant by design; customers get 403 (auth suite)',
  'GET /v1/sites/{siteId}/telemetry': 'operator fleet view: telemetry history of platform sites',
  'GET /v1/fleet/kpis': 'operator fleet KPIs over every site by design; customers get 403 (auth suite)',
  'GET /v1/market/gpu-prices': 'operator market data: GPU price sheets are the platform’s, not a tenant’s',
  'PUT /v1/market/gpu-prices': 'operator action on platform market data',
  'POST /v1/sites/{siteId}/gateway': 'operator onboarding of a platform site’s gateway',
  'DELETE /v1/sites/{siteId}/gateway': 'operator revocation of a platform site’s gateway',
  'GET /v1/fleet/sites': 'operator site registry: sites belong to the platform, not to a tenant',
  'POST /v1/fleet/sites': 'operator site registry: sites belong to the platform, not to a tenant',
  'GET /v1/fleet/sites/{siteId}': 'operator site registry: sites belong to the platform, not to a tenant',
  'PATCH /v1/fleet/sites/{siteId}': 'operator site registry: sites belong to the platform, not to a tenant',
  'POST /v1/fleet/sites/{siteId}/drain': 'operator site registry: sites belong to the platform, not to a tenant',
  'POST /v1/fleet/sites/{siteId}/retire': 'operator site registry: sites belong to the platform, not to a tenant',
  'POST /v1/fleet/sites/{siteId}/asic-groups': 'operator site registry: sites belong to the platform, not to a tenant',
  'PATCH /v1/fleet/sites/{siteId}/asic-groups/{groupId}':
    'operator site registry: sites belong to the platform, not to a tenant',
  'DELETE /v1/fleet/sites/{siteId}/asic-groups/{groupId}':
    'operator site registry: sites belong to the platform, not to a tenant',
  'POST /v1/fleet/sites/{siteId}/gpu-pools': 'operator site registry: sites belong to the platform, not to a tenant',
  'PATCH /v1/fleet/sites/{siteId}/gpu-pools/{groupId}':
    'operator site registry: sites belong to the platform, not to a tenant',
  'DELETE /v1/fleet/sites/{siteId}/gpu-pools/{groupId}':
    'operator site registry: sites belong to the platform, not to a tenant',
};

interface Owned {
  readonly tenantIds: readonly string[];
  readonly workloadIds: readonly string[];
  readonly keyIds: readonly string[];
  readonly userIds: readonly string[];
}

interface TenantFixture {
  readonly owned: Owned;
  /** The tenant's customer principals, the callers of the matrix. */
  readonly keys: Readonly<Partial<Record<Role, string>>>;
}

const fieldsOf = (route: ApiRoute) => ({
  path: (route.resource.match(/\{\w+\}/g) ?? []).map((p) => p.slice(1, -1)),
  query: fieldNames(route.request?.query),
  body: fieldNames(route.request?.body),
});

const ownedFields = (names: readonly string[]) => names.filter((name): name is OwnedField => name in OWNED_FIELDS);

const customerCallable = (route: ApiRoute) =>
  route.roles !== 'public' && route.roles.some((role) => (CUSTOMER_ROLES as readonly Role[]).includes(role));

/** In the matrix: a route naming a tenant-owned object or scope, or one a customer calls in its own scope. */
function inMatrix(route: ApiRoute): boolean {
  const { path, query, body } = fieldsOf(route);
  return ownedFields([...path, ...query, ...body]).length > 0 || customerCallable(route);
}

const MATRIX_ROUTES = API_ROUTES.filter(inMatrix);

let h: AbuseHarness;
const fixtures = {} as Record<Tenant, TenantFixture>;
const outcomes = new Tally();

beforeAll(async () => {
  h = await startAbuseHarness({ tableName: 'hcp-api-isolation' });
  for (const tenantId of TENANTS) fixtures[tenantId] = await seedTenant(tenantId);
});

afterAll(async () => {
  await h?.stop();
});

/** A tenant with two workloads (one cancelled), three keys, two users, usage and the audit entries of all that. */
async function seedTenant(tenantId: Tenant): Promise<TenantFixture> {
  const admin = h.keys.admin;
  await h.call('POST', '/v1/tenants', { key: admin, body: { tenantId, name: tenantId } });
  const issue = (role: Role, name: string) =>
    h.call('POST', '/v1/api-keys', { key: admin, body: { name, role, tenantId } }).then((r) => r.body);
  const user = await issue('customer-user', 'user');
  const customerAdmin = await issue('customer-admin', 'admin');
  const spare = await issue('customer-user', 'spare');
  const workloadIds: string[] = [];
  for (const idempotencyKey of ['w-1', 'w-2']) {
    const submitted = await h.call('POST', '/v1/workloads', {
      key: user.apiKey,
      body: validWorkloadRequest(),
      headers: { 'Idempotency-Key': `${tenantId}-${idempotencyKey}` },
    });
    workloadIds.push(submitted.body.id);
  }
  await h.call('POST', `/v1/workloads/${workloadIds[1]}/cancel`, { key: user.apiKey });
  const userIds = [`${tenantId}-user-1`, `${tenantId}-user-2`];
  for (const userId of userIds) {
    await h.call('PUT', `/v1/tenants/${tenantId}/users/${userId}`, { key: admin, body: { role: 'customer-user' } });
  }
  await h.api.runtime.workloads.putUsageRecord({
    tenantId,
    workloadId: workloadIds[0]!,
    attempt: 1,
    siteId: 'site-west-1',
    completedAt: `${PERIOD}-15T12:00:00.000Z`,
    gpuSeconds: 3600,
    inputTokens: 1000,
    outputTokens: 500,
    energyKwh: 0.7,
    priceUsd: 1.25,
  });
  return {
    owned: { tenantIds: [tenantId], workloadIds, keyIds: [user.keyId, customerAdmin.keyId, spare.keyId], userIds },
    keys: { 'customer-user': user.apiKey, 'customer-admin': customerAdmin.apiKey },
  };
}

/** Everything a tenant owns, read behind the API: equal before and after means nothing of it was written. */
async function stateOf(tenantId: Tenant) {
  const { runtime } = h.api;
  const { owned } = fixtures[tenantId];
  return {
    tenant: await runtime.tenants.get(tenantId),
    workloads: await Promise.all(owned.workloadIds.map((id) => runtime.workloads.get(tenantId, id))),
    keys: await runtime.apiKeys.list(tenantId),
    users: await Promise.all(owned.userIds.map((id) => runtime.tenants.getUserRole(tenantId, id))),
    usage: await runtime.workloads.usageRecords(tenantId, PERIOD),
    audit: (await h.auditLengths([tenantId]))[tenantId],
  };
}

/** Runs `calls` as `caller`'s principals and checks that no other tenant, nor the platform, changed meanwhile. */
async function asCaller(caller: Tenant, calls: () => Promise<void>) {
  const others = TENANTS.filter((t) => t !== caller);
  const before = await Promise.all(others.map(stateOf));
  const platformBefore = await h.auditLengths([PLATFORM_TENANT_ID]);
  await calls();
  expect(await Promise.all(others.map(stateOf))).toEqual(before);
  expect(await h.auditLengths([PLATFORM_TENANT_ID])).toEqual(platformBefore);
}

/** Strings only `victim`'s data contains: a 2xx carrying any of them leaked it. */
const markersOf = (victim: Tenant) => Object.values(fixtures[victim].owned).flat();

function leakIn(response: RawResponse, victim: Tenant): string | undefined {
  if (response.status >= 300) return undefined;
  return markersOf(victim).find((marker) => response.text.includes(marker));
}

/** The caller's own example request: its tenant, and ids that exist nowhere (so nothing of its own is touched). */
const ownExample = (route: ApiRoute, caller: Tenant) => exampleFor(route, { ...ABSENT_IDS, tenantId: caller });

/** `parts` with each owned field of `location` set by `pick`; fields the schema accepts are added if missing. */
function withOwned(
  route: ApiRoute,
  parts: RequestParts,
  pick: (field: OwnedField) => string | undefined,
): RequestParts {
  const fields = fieldsOf(route);
  const set = (location: Record<string, unknown>, names: readonly string[]) => {
    const out = { ...location };
    for (const name of ownedFields(names)) {
      const value = pick(name);
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
  const body = parts.body === undefined ? undefined : set(parts.body as Record<string, unknown>, fields.body);
  return {
    ...parts,
    path: set(parts.path, fields.path) as Record<string, string>,
    query: set(parts.query, fields.query) as Record<string, string>,
    ...(body ? { body } : {}),
  };
}

/**
 * The requests naming `victim`'s objects: every combination of its ids in the route's owned fields; and, where the
 * route also takes a scope (tenantId, chain), the victim's object ids inside the caller's own scope.
 */
function foreignRequests(route: ApiRoute, caller: Tenant, victim: Tenant): RequestParts[] {
  const fields = fieldsOf(route);
  const named = [...new Set(ownedFields([...fields.path, ...fields.query, ...fields.body]))];
  if (named.length === 0) return [];
  const owned = fixtures[victim].owned;
  const combos = named.reduce<Record<string, string>[]>(
    (acc, field) => acc.flatMap((combo) => owned[OWNED_FIELDS[field]].map((id) => ({ ...combo, [field]: id }))),
    [{}],
  );
  const base = ownExample(route, caller);
  const requests = combos.map((combo) => withOwned(route, base, (field) => combo[field]));
  // Looked up inside the caller's scope. (A user id is not: PUT .../users/{userId} names a user of the path's
  // tenant, so the caller's own tenant may give a role to any name without touching the other tenant.)
  const objectFields = named.filter((f) => f === 'workloadId' || f === 'keyId');
  if (objectFields.length > 0 && objectFields.length < named.length) {
    const objectCombos = combos.map((combo) => Object.fromEntries(objectFields.map((f) => [f, combo[f]!])));
    requests.push(...objectCombos.map((combo) => withOwned(route, base, (field) => combo[field])));
  }
  return requests;
}

/** The caller's own request with the victim named where the route takes no such field: in the query and the body. */
function smuggledRequests(route: ApiRoute, caller: Tenant, victim: Tenant): RequestParts[] {
  const base = ownExample(route, caller);
  const fields = fieldsOf(route);
  const requests: RequestParts[] = [];
  if (!fields.query.includes('tenantId')) requests.push({ ...base, query: { ...base.query, tenantId: victim } });
  if (base.body !== undefined && !fields.body.includes('tenantId')) {
    requests.push({ ...base, body: { ...(base.body as object), tenantId: victim } });
  }
  return requests;
}

const callers = (tenant: Tenant) =>
  Object.entries(fixtures[tenant].keys).map(([role, key]) => ({ role: role as Role, key: key! }));

async function send(route: ApiRoute, parts: RequestParts, key: string, kind: string) {
  // A fresh Idempotency-Key: a replay would answer from the first request, not from this one's authorization.
  const headers: Record<string, string> = parts.headers['Idempotency-Key']
    ? { 'Idempotency-Key': `iso-${randomUUID()}` }
    : {};
  const response = await h.send(toRawRequest(route, { ...parts, headers: { ...parts.headers, ...headers } }, key));
  outcomes.add(`${kind} ${routeName(route)}`, response.status);
  return response;
}

type RequestsOf = (route: ApiRoute, caller: Tenant, victim: Tenant) => RequestParts[];

/**
 * Sends `requestsOf(route, caller, victim)` for every route of the matrix, every caller tenant's principals and every
 * other tenant; `judge` says what is wrong with an answer. Returns every wrong answer, one line each.
 */
async function runMatrix(
  kind: string,
  requestsOf: RequestsOf,
  judge: (response: RawResponse, victim: Tenant) => string | undefined,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const caller of TENANTS) {
    await asCaller(caller, async () => {
      for (const route of MATRIX_ROUTES)
        for (const victim of TENANTS.filter((t) => t !== caller))
          for (const parts of requestsOf(route, caller, victim))
            for (const { role, key } of callers(caller)) {
              const problem = judge(await send(route, parts, key, kind), victim);
              if (problem) wrong.push(`${role}@${caller} ${routeName(route)} ${JSON.stringify(parts)} → ${problem}`);
            }
    });
  }
  return wrong;
}

describe('tenant isolation matrix, generated from the route table', () => {
  it('classifies every route: in the matrix, or excluded with a reason', () => {
    // Assess
    const unclassified = API_ROUTES.filter((r) => !inMatrix(r) && !EXCLUDED[routeName(r)]).map(routeName);
    const staleExclusions = Object.keys(EXCLUDED).filter(
      (name) => !API_ROUTES.some((r) => routeName(r) === name && !inMatrix(r)),
    );
    expect(unclassified).toEqual([]);
    expect(staleExclusions).toEqual([]);
    expect(MATRIX_ROUTES.length).toBeGreaterThan(10);
  });

  it('answers every tenant’s principals 404 or 403 for every other tenant’s objects, and changes none of them', async () => {
    const wrong = await runMatrix('foreign-id', foreignRequests, (response) =>
      response.status === 403 || response.status === 404 ? undefined : `${response.status}`,
    );
    expect(wrong).toEqual([]);
  });

  it('never acts on another tenant named in the query or body: refused, or answered from the caller’s own tenant', async () => {
    const wrong = await runMatrix('smuggled', smuggledRequests, (response, victim) => {
      const leaked = leakIn(response, victim);
      if (leaked) return `${response.status} carries ${leaked}`;
      if (response.status >= 500) return `${response.status}`;
      const unnamed = response.status === 400 && !response.text.includes('"field":"tenantId"');
      return unnamed ? `400 without naming tenantId: ${response.text.slice(0, 120)}` : undefined;
    });
    expect(wrong).toEqual([]);
  });

  it('shows each tenant only its own objects on every route it may read', async () => {
    const leaks: string[] = [];
    const statuses: number[] = [];
    const reads = MATRIX_ROUTES.filter((r) => r.method === 'GET' && customerCallable(r));
    for (const caller of TENANTS) {
      const own: Partial<ExampleIds> = {
        tenantId: caller,
        workloadId: fixtures[caller].owned.workloadIds[0],
        keyId: fixtures[caller].owned.keyIds[0],
        userId: fixtures[caller].owned.userIds[0],
      };
      await asCaller(caller, async () => {
        for (const route of reads)
          for (const { role, key } of callers(caller)) {
            if (route.roles === 'public' || !route.roles.includes(role)) continue;
            const response = await send(route, exampleFor(route, own), key, 'own-read');
            statuses.push(response.status);
            const leaked = TENANTS.filter((t) => t !== caller).map((victim) => leakIn(response, victim));
            if (response.status >= 500 || leaked.some(Boolean)) {
              leaks.push(`${role}@${caller} ${routeName(route)} → ${response.status} ${leaked.join(' ')}`);
            }
          }
      });
    }
    expect(leaks).toEqual([]);
    // The callers' keys work: the refusals above are isolation, not broken credentials.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(reads.length);
  });

  it('prints the matrix size and its outcomes', () => {
    const size = outcomes.total();
    console.log(
      `${outcomes.report(`Tenant isolation matrix: ${TENANTS.length} tenants × ${MATRIX_ROUTES.length} routes (of ${API_ROUTES.length}; ${Object.keys(EXCLUDED).length} excluded) × other tenants' ids`)}\n`,
    );
    recordFigure('api-tenant-isolation.requests', size, 'requests');
    recordFigure('api-tenant-isolation.routes', MATRIX_ROUTES.length, 'routes');
    expect(size).toBeGreaterThan(TENANTS.length * MATRIX_ROUTES.length);
  });
});
