import {
  addAsicGroupBodySchema,
  addGpuPoolBodySchema,
  createSiteBodySchema,
  etagOf,
  ifMatchSchema,
  patchAsicGroupBodySchema,
  patchGpuPoolBodySchema,
  patchSiteBodySchema,
  registryGroupPathSchema,
  registrySitePathSchema,
  type SiteRecordView,
} from '../../../core/api/site-registry.js';
import { gatewayThingNameOf, stockPowerKw } from '../../../core/fleet/site-config.js';
import {
  changeGroup,
  createSite,
  drainSite,
  type RegistryDeps,
  RegistryRefused,
  retireSite,
  type SiteFieldsPatch,
  updateSite,
} from '../../fleet/registry.js';
import type { SiteRecord } from '../../shared/data/site-registry-store.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  header,
  notFound,
  parseBody,
  parseHeader,
  parsePath,
} from '../handler.js';

/**
 * The operator API over the site registry: each request parses, calls one registry use case (functions/fleet/
 * registry.ts), audits the change and answers the record with its ETag. The record's rules (catalog, counts, power,
 * addresses) are the registry's: a change that breaks one is a 422 naming field and rule.
 */

export function recordView(record: SiteRecord): SiteRecordView {
  return {
    site: record.config,
    status: record.status,
    registryVersion: record.registryVersion,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
    gatewayThingName: gatewayThingNameOf(record.config),
    stockPowerKw: stockPowerKw(record.config),
  };
}

const answer = (status: number, record: SiteRecord, extra: Record<string, string> = {}) =>
  jsonResponse(status, recordView(record), { etag: etagOf(record.registryVersion), ...extra });

const ifMatchOf = (request: ApiRequest) =>
  header(request.event, 'if-match') === undefined ? undefined : parseHeader(request.event, 'If-Match', ifMatchSchema);

/**
 * Runs a registry change, mapping its refusal to the HTTP answer and auditing what it did. The registry names a field
 * by its path in the whole site (`asicGroups[0].model`); `fieldOf` renames it to the field the request sent.
 */
async function registryChange(
  request: ApiRequest,
  action: string,
  target: string,
  change: (deps: RegistryDeps) => Promise<SiteRecord>,
  detail: Record<string, string | number | boolean> = {},
  fieldOf: (field: string) => string = (field) => field,
): Promise<SiteRecord> {
  // The audit event rides in the registry's own transaction, built for the version about to be stored.
  const deps: RegistryDeps = {
    ...request.runtime.registry,
    audit: (record) => {
      const audited = auditWrites(request, action, target, { ...detail, registryVersion: record.registryVersion });
      return { items: audited.items, committed: () => auditCommitted(request, audited) };
    },
  };
  try {
    return await change(deps);
  } catch (error) {
    if (error instanceof RegistryRefused) {
      const issues = error.issues.map((issue) => ({ ...issue, field: fieldOf(issue.field) }));
      throw new HttpError(error.status, error.code, error.message, issues);
    }
    throw error;
  }
}

export async function listRegisteredSites({ runtime }: ApiRequest) {
  const { store } = runtime.registry;
  const [registryVersion, records] = await Promise.all([store.version(), store.list()]);
  return jsonResponse(200, { registryVersion, sites: records.map(recordView) });
}

export async function getRegisteredSite({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, registrySitePathSchema);
  const record = await runtime.registry.store.get(siteId);
  if (!record) throw notFound('site', siteId);
  return answer(200, record);
}

export async function registerSite(request: ApiRequest) {
  const config = parseBody(request.event, createSiteBodySchema);
  const by = request.principal.principalId;
  const record = await registryChange(request, 'site.create', config.id, (deps) => createSite(deps, config, by));
  return answer(201, record, { location: `/v1/fleet/sites/${config.id}` });
}

export async function patchRegisteredSite(request: ApiRequest) {
  const { siteId } = parsePath(request.event, registrySitePathSchema);
  const patch = parseBody(request.event, patchSiteBodySchema) as SiteFieldsPatch;
  const ifMatch = ifMatchOf(request);
  const record = await registryChange(request, 'site.update', siteId, (deps) =>
    updateSite(deps, siteId, patch, request.principal.principalId, ifMatch),
  );
  return answer(200, record);
}

/** POST …/drain and …/retire: the site's lifecycle moves on. */
function lifecycleRequest(action: 'drain' | 'retire', change: typeof drainSite) {
  return async (request: ApiRequest) => {
    const { siteId } = parsePath(request.event, registrySitePathSchema);
    const ifMatch = ifMatchOf(request);
    const record = await registryChange(request, `site.${action}`, siteId, (deps) =>
      change(deps, siteId, request.principal.principalId, ifMatch),
    );
    return answer(200, record);
  };
}

export const drainRegisteredSite = lifecycleRequest('drain', drainSite);
export const retireRegisteredSite = lifecycleRequest('retire', retireSite);

type GroupKind = 'asicGroups' | 'gpuPools';

/**
 * A group route's body is the group alone: `asicGroups[2].model` is its `model`. A group route changes one group, so
 * a rule it breaks is about that group (an address overlap names the changed group's addresses).
 */
const groupFieldOf = (kind: GroupKind) => (field: string) => field.replace(new RegExp(`^${kind}\\[\\d+\\]\\.`), '');
const GROUP_BODIES = {
  asicGroups: { add: addAsicGroupBodySchema, patch: patchAsicGroupBodySchema, noun: 'asic-group' },
  gpuPools: { add: addGpuPoolBodySchema, patch: patchGpuPoolBodySchema, noun: 'gpu-pool' },
} as const;

/** POST /v1/fleet/sites/{siteId}/asic-groups | gpu-pools: adds one group. */
export function addGroup(kind: GroupKind) {
  return async (request: ApiRequest) => {
    const { siteId } = parsePath(request.event, registrySitePathSchema);
    const group = parseBody(request.event, GROUP_BODIES[kind].add);
    const ifMatch = ifMatchOf(request);
    const record = await registryChange(
      request,
      `site.${GROUP_BODIES[kind].noun}.add`,
      `${siteId}/${group.id}`,
      (deps) =>
        changeGroup(deps, {
          siteId,
          kind,
          groupId: group.id,
          op: 'add',
          group: group as never,
          by: request.principal.principalId,
          ...(ifMatch !== undefined ? { ifMatch } : {}),
        }),
      {},
      groupFieldOf(kind),
    );
    return answer(201, record);
  };
}

/** PATCH (resize, re-address, change driver…) or DELETE (retire) one group. */
export function changeOneGroup(kind: GroupKind, op: 'update' | 'retire') {
  return async (request: ApiRequest) => {
    const { siteId, groupId } = parsePath(request.event, registryGroupPathSchema);
    const group = op === 'update' ? parseBody(request.event, GROUP_BODIES[kind].patch) : undefined;
    const ifMatch = ifMatchOf(request);
    const record = await registryChange(
      request,
      `site.${GROUP_BODIES[kind].noun}.${op}`,
      `${siteId}/${groupId}`,
      (deps) =>
        changeGroup(deps, {
          siteId,
          kind,
          groupId,
          op,
          by: request.principal.principalId,
          ...(group ? { group: group as never } : {}),
          ...(ifMatch !== undefined ? { ifMatch } : {}),
        }),
      {},
      groupFieldOf(kind),
    );
    return answer(200, record);
  };
}
