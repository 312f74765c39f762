import { z } from 'zod';
import { EXAMPLE_GATEWAY_CSR_PEM } from '../../../core/api/gateways.js';
import type { Role } from '../../../core/api/principal.js';
import type { ApiRoute } from '../../../functions/api/route.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { registrySiteConfig, validWorkloadRequest } from '../../support/fixtures.js';
import type { RawRequest, RoleKeys } from './api-client.js';

/**
 * The route table as the abuse suites walk it: a valid request for every route (the fuzz mutates one part of it, the
 * isolation matrix swaps its ids for another tenant's), the field names of its schemas, and a key allowed to call it.
 */

/** The parts of a request, before they are put on the wire. */
export interface RequestParts {
  readonly path: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** undefined: no body. */
  readonly body?: unknown;
}

/**
 * Ids a valid request names. The default object ids exist nowhere, so replaying an example cancels, revokes or reads
 * no stored object; the tenant is the demo tenant (creating under it, a user role or a key, is what the fuzz may do).
 */
export interface ExampleIds {
  readonly tenantId: string;
  readonly workloadId: string;
  readonly keyId: string;
  readonly userId: string;
  readonly siteId: string;
}

export const ABSENT_IDS: ExampleIds = {
  tenantId: 'demo',
  workloadId: 'wl-000000000-0000000000000000',
  keyId: 'key-0000000000000000',
  userId: 'user-absent',
  siteId: 'site-west-1',
};

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/**
 * The site registry's examples change a site of their own (`site-east-1`, registered by `registerSite`'s example,
 * which the fuzz replays first), so the seeded sites the other operator routes name stay as they are; drain and
 * retire name a site that does not exist, so the registered one stays active for the group routes after them.
 */
const REGISTERED = registrySiteConfig();
const registered = (groupId?: string) => ({ siteId: REGISTERED.id, ...(groupId ? { groupId } : {}) });
const NEW_POOL = {
  id: 'east-h200-a',
  model: 'nvidia-h200-sxm',
  nodes: 1,
  gpusPerNode: 8,
  driver: 'nvidia-smi',
  servedModels: ['meta-llama/Llama-3.1-70B-Instruct'],
};
const NEW_ASIC_GROUP = {
  id: 'east-s21xp-b',
  model: 'antminer-s21-xp',
  unitCount: 32,
  driver: 'luxos',
  addresses: { kind: 'range', first: '10.9.5.0', last: '10.9.5.31' },
};

/**
 * A valid request of each operation. A route added to the table without one here fails the suites that need it
 * (`exampleFor` throws naming the operation), so no route is left out of the fuzz or the isolation matrix unnoticed.
 */
const EXAMPLES: Record<string, (ids: ExampleIds) => Partial<RequestParts>> = {
  getHealth: () => ({}),
  getOpenApi: () => ({}),
  submitWorkload: () => ({ headers: { 'Idempotency-Key': 'fuzz-example' }, body: validWorkloadRequest() }),
  listWorkloads: () => ({ query: { limit: '5', tier: 'flex' } }),
  getWorkload: ({ workloadId }) => ({ path: { workloadId } }),
  cancelWorkload: ({ workloadId }) => ({ path: { workloadId } }),
  getUsage: () => ({ query: { period: '2026-11' } }),
  getUsageStatement: () => ({ query: { period: '2026-11', format: 'csv' } }),
  getFleetGpuFigures: () => ({ query: { period: '2026-11' } }),
  createTenant: ({ tenantId }) => ({ body: { tenantId, name: 'Example', usagePlan: 'standard' } }),
  listTenants: () => ({ query: { limit: '5' } }),
  getTenant: ({ tenantId }) => ({ path: { tenantId } }),
  putUserRole: ({ tenantId, userId }) => ({ path: { tenantId, userId }, body: { role: 'customer-user' } }),
  createApiKey: ({ tenantId }) => ({ body: { name: 'example', role: 'customer-user', tenantId } }),
  listApiKeys: ({ tenantId }) => ({ query: { tenantId } }),
  revokeApiKey: ({ keyId, tenantId }) => ({ path: { keyId }, query: { tenantId } }),
  listAudit: ({ tenantId }) => ({ query: { chain: tenantId, limit: '5' } }),
  verifyAudit: ({ tenantId }) => ({ query: { chain: tenantId } }),
  listSites: () => ({}),
  getSite: ({ siteId }) => ({ path: { siteId } }),
  getCurrentPlan: () => ({}),
  listPlans: () => ({ query: { limit: '5' } }),
  getMarket: () => ({}),
  listSiteSwitches: ({ siteId }) => ({ path: { siteId }, query: { limit: '5' } }),
  createOverride: ({ siteId }) => ({
    path: { siteId },
    body: { kind: 'curtail', shedKw: 100, reason: 'abuse suite', expiresAt: inAnHour() },
  }),
  cancelOverride: ({ siteId }) => ({ path: { siteId } }),
  setPowerLimit: ({ siteId }) => ({
    path: { siteId },
    body: { limitKw: 15_000, reason: 'abuse suite', expiresAt: inAnHour() },
  }),
  listGridEvents: () => ({ query: { limit: '5' } }),
  getSiteTelemetry: ({ siteId }) => ({
    path: { siteId },
    query: { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', step: '300', metric: 'power' },
  }),
  getFleetKpis: () => ({ query: { from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', step: '3600' } }),
  // An event no site has had: 404 before any evidence is computed, stored or audited.
  getGridEventEvidence: () => ({ path: { gridEventId: 'grid-event-absent' }, query: { format: 'json' } }),
  getGpuPrices: () => ({}),
  putGpuPrices: () => ({ body: { prices: [{ gpuModel: 'H100', tier: 'flex', usdPerGpuHour: 2.5 }] } }),
  // The schema's example: a real CSR for the seed site. The fuzz onboards it once (201), then gets the same
  // certificate back (200); another tenant's site id makes its CN wrong, but the isolation matrix is refused first.
  onboardGateway: ({ siteId }) => ({ path: { siteId }, body: { csr: EXAMPLE_GATEWAY_CSR_PEM } }),
  revokeGateway: ({ siteId }) => ({ path: { siteId } }),
  listGpuNodes: ({ siteId }) => ({ path: { siteId } }),
  // A node no site has reported: the command is refused (404) before anything is published or audited.
  commandGpuNode: ({ siteId }) => ({
    path: { siteId, nodeId: 'gpu-node-absent', action: 'cordon' },
    body: { reason: 'abuse suite' },
  }),
  putWebhook: ({ tenantId }) => ({
    query: { tenantId },
    body: { url: 'https://hooks.example.com/hcp', events: ['workload.completed'] },
  }),
  listRegisteredSites: () => ({}),
  registerSite: () => ({ body: registrySiteConfig() }),
  getRegisteredSite: () => ({ path: registered() }),
  // Two fields each: a patch without one of them still changes something (an empty patch is refused as a whole).
  updateRegisteredSite: () => ({ path: registered(), body: { pue: 1.1, interconnectLimitKw: 5000 } }),
  drainRegisteredSite: () => ({ path: { siteId: 'site-absent-1' } }),
  retireRegisteredSite: () => ({ path: { siteId: 'site-absent-1' } }),
  addAsicGroup: () => ({ path: registered(), body: NEW_ASIC_GROUP }),
  updateAsicGroup: () => ({ path: registered('east-s21xp-a'), body: { unitCount: 700, driver: 'luxos' } }),
  retireAsicGroup: () => ({ path: registered(NEW_ASIC_GROUP.id) }),
  addGpuPool: () => ({ path: registered(), body: NEW_POOL }),
  updateGpuPool: () => ({
    path: registered('east-h100-a'),
    body: { servedModels: ['meta-llama/Llama-3.1-8B-Instruct'], driver: 'dcgm' },
  }),
  retireGpuPool: () => ({ path: registered(NEW_POOL.id) }),
  getWebhook: ({ tenantId }) => ({ query: { tenantId } }),
  deleteWebhook: ({ tenantId }) => ({ query: { tenantId } }),
  rotateWebhookSecret: ({ tenantId }) => ({ query: { tenantId } }),
  // The ping really POSTs to the receiver: a tenant that has no webhook keeps the suites off the network.
  testWebhook: ({ tenantId }) => ({ query: { tenantId: `${tenantId}-no-webhook` } }),
};

export function exampleFor(route: ApiRoute, ids: Partial<ExampleIds> = {}): RequestParts {
  const example = EXAMPLES[route.operationId];
  if (!example) throw new Error(`no example request for ${route.operationId}: add one to test/reliability/support`);
  return { path: {}, query: {}, headers: {}, ...example({ ...ABSENT_IDS, ...ids }) };
}

/** The resource template with its parameters filled in, already percent-encoded where the caller wants it. */
export const fillPath = (resource: string, params: Readonly<Record<string, string>>) =>
  resource.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? `{${name}}`);

export const queryString = (query: Readonly<Record<string, string>>) => {
  const text = new URLSearchParams(query as Record<string, string>).toString();
  return text ? `?${text}` : '';
};

/** RFC 3986 percent-encoding of the UTF-8 bytes; unlike encodeURIComponent it takes lone surrogates (as U+FFFD). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** The wire request of `parts`, path parameters and query percent-encoded. */
export function toRawRequest(route: ApiRoute, parts: RequestParts, key?: string): RawRequest {
  const encoded = Object.fromEntries(Object.entries(parts.path).map(([k, v]) => [k, percentEncode(v)]));
  return {
    method: route.method,
    path: fillPath(route.resource, encoded) + queryString(parts.query),
    headers: { ...parts.headers, ...(key ? { 'x-api-key': key } : {}) },
    body: parts.body,
  };
}

/** The least privileged role allowed on the route (customer before operator before admin), or undefined if public. */
export function callerRole(route: ApiRoute): Role | undefined {
  if (route.roles === 'public') return undefined;
  const order: Role[] = ['customer-user', 'customer-admin', 'operator', 'admin'];
  return order.find((role) => (route.roles as readonly Role[]).includes(role));
}

export const keyFor = (route: ApiRoute, keys: RoleKeys) => {
  const role = callerRole(route);
  return role ? keys[role] : undefined;
};

/** Top-level property names a schema accepts (every branch of a union), from its JSON Schema. */
export const fieldNames = (schema: z.ZodType | undefined): string[] => propertyNames(schema, () => true);

/** Top-level property names whose value is a number or an integer (every branch of a union). */
export const numberFieldNames = (schema: z.ZodType | undefined): string[] =>
  propertyNames(schema, (property) => property.type === 'number' || property.type === 'integer');

function propertyNames(schema: z.ZodType | undefined, keep: (property: JsonSchema) => boolean): string[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const names = new Set<string>();
  const visit = (node: JsonSchema) => {
    // A schema with a meta id comes back as a `$ref` into `$defs`.
    const ref = node.$ref?.replace('#/$defs/', '');
    if (ref && json.$defs?.[ref]) visit(json.$defs[ref]);
    for (const [name, property] of Object.entries(node.properties ?? {})) if (keep(property)) names.add(name);
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) visit(branch);
  };
  visit(json);
  return [...names];
}

interface JsonSchema {
  type?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export const routeName = (route: ApiRoute) => `${route.method} ${route.resource}`;

export { API_ROUTES };
