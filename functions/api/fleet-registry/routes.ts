import { z } from 'zod';
import { OPERATOR_ROLES } from '../../../core/api/access.js';
import {
  addAsicGroupBodySchema,
  addGpuPoolBodySchema,
  createSiteBodySchema,
  patchAsicGroupBodySchema,
  patchGpuPoolBodySchema,
  patchSiteBodySchema,
  registryGroupPathSchema,
  registrySitePathSchema,
  siteRecordListSchema,
  siteRecordViewSchema,
} from '../../../core/api/site-registry.js';
import type { ApiRoute } from '../route.js';
import { BODY_ERRORS, errorResponses, loadHandler } from '../route-helpers.js';

/**
 * The operator API over the site registry: register, read, change and drain-then-retire a site, add, resize and
 * retire its ASIC groups and GPU pools. Every change is a new registry version (the answer's ETag); a change sent
 * with `If-Match` is refused with 412 when the site moved since it was read. The next dispatch plans the fleet as
 * registered, and the site's gateway receives its configuration through its named shadow.
 */
const ifMatchHeaders = z.object({
  'If-Match': z
    .string()
    .optional()
    .describe('The ETag of the site as read: the change is refused with 412 if the site changed since'),
});

const RULES = 'refused by a registry rule: `error.issues` names the field and the rule';
const changeResponses = (created = false) => ({
  [created ? 201 : 200]: {
    description: created ? 'Registered: the new registry version is the ETag' : 'Changed: the new version is the ETag',
    schema: siteRecordViewSchema,
    headers: created ? (['ETag', 'Location'] as const) : (['ETag'] as const),
  },
  ...errorResponses(404, 409, 412, 422, ...BODY_ERRORS),
  422: { ...errorResponses(422)[422]!, description: RULES },
});

const site = (path: string) => `/v1/fleet/sites${path}`;

type Loaders = Record<'add' | 'patch' | 'retire', ApiRoute['load']>;

function groupRoutes(noun: 'asic-groups' | 'gpu-pools', load: Loaders): ApiRoute[] {
  const asic = noun === 'asic-groups';
  const what = asic ? 'ASIC group' : 'GPU pool';
  const file = asic ? 'asic-group' : 'gpu-pool';
  const op = asic ? 'AsicGroup' : 'GpuPool';
  return [
    {
      method: 'POST',
      resource: site(`/{siteId}/${noun}`),
      entry: `functions/api/fleet-registry/${file}-add.ts`,
      roles: OPERATOR_ROLES,
      operationId: `add${op}`,
      summary: `Add a${asic ? 'n' : ''} ${what} to a site (catalog model, count, driver, ${asic ? 'addresses' : 'node endpoints'})`,
      tags: ['fleet'],
      request: {
        path: registrySitePathSchema,
        headers: ifMatchHeaders,
        body: asic ? addAsicGroupBodySchema : addGpuPoolBodySchema,
      },
      responses: changeResponses(true),
      publishesSiteConfig: true,
      load: load.add,
    },
    {
      method: 'PATCH',
      resource: site(`/{siteId}/${noun}/{groupId}`),
      entry: `functions/api/fleet-registry/${file}-patch.ts`,
      roles: OPERATOR_ROLES,
      operationId: `update${op}`,
      summary: `Change one ${what}: resize it, re-address it, change its driver or its limits`,
      tags: ['fleet'],
      request: {
        path: registryGroupPathSchema,
        headers: ifMatchHeaders,
        body: asic ? patchAsicGroupBodySchema : patchGpuPoolBodySchema,
      },
      responses: changeResponses(),
      publishesSiteConfig: true,
      load: load.patch,
    },
    {
      method: 'DELETE',
      resource: site(`/{siteId}/${noun}/{groupId}`),
      entry: `functions/api/fleet-registry/${file}-retire.ts`,
      roles: OPERATOR_ROLES,
      operationId: `retire${op}`,
      summary: `Retire one ${what}: it leaves the plans and the gateway's configuration`,
      tags: ['fleet'],
      request: { path: registryGroupPathSchema, headers: ifMatchHeaders },
      responses: changeResponses(),
      publishesSiteConfig: true,
      load: load.retire,
    },
  ];
}

export const registryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: site(''),
    entry: 'functions/api/fleet-registry/list.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listRegisteredSites',
    summary: 'The site registry: every site with its lifecycle (active, draining, retired), version and stock draw',
    tags: ['fleet'],
    responses: { 200: { description: 'The registry', schema: siteRecordListSchema }, ...errorResponses() },
    load: () => loadHandler(import('./list.js')),
  },
  {
    method: 'POST',
    resource: site(''),
    entry: 'functions/api/fleet-registry/create.ts',
    roles: OPERATOR_ROLES,
    operationId: 'registerSite',
    summary:
      'Register a site: market node, interconnect limit, overhead, time zone, energy contract, grid programs, gateway, meter, groups; in the next dispatch',
    tags: ['fleet'],
    request: { body: createSiteBodySchema },
    responses: changeResponses(true),
    publishesSiteConfig: true,
    load: () => loadHandler(import('./create.js')),
  },
  {
    method: 'GET',
    resource: site('/{siteId}'),
    entry: 'functions/api/fleet-registry/get.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getRegisteredSite',
    summary: 'One site’s registry record; its ETag is the version to send as If-Match',
    tags: ['fleet'],
    request: { path: registrySitePathSchema },
    responses: {
      200: { description: 'The record', schema: siteRecordViewSchema, headers: ['ETag'] },
      ...errorResponses(404),
    },
    load: () => loadHandler(import('./get.js')),
  },
  {
    method: 'PATCH',
    resource: site('/{siteId}'),
    entry: 'functions/api/fleet-registry/patch.ts',
    roles: OPERATOR_ROLES,
    operationId: 'updateRegisteredSite',
    summary:
      'Change a site’s own fields (limit, overhead, contract, programs, gateway, meter); groups have their routes',
    tags: ['fleet'],
    request: { path: registrySitePathSchema, headers: ifMatchHeaders, body: patchSiteBodySchema },
    responses: changeResponses(),
    publishesSiteConfig: true,
    load: () => loadHandler(import('./patch.js')),
  },
  {
    method: 'POST',
    resource: site('/{siteId}/drain'),
    entry: 'functions/api/fleet-registry/drain.ts',
    roles: OPERATOR_ROLES,
    operationId: 'drainRegisteredSite',
    summary: 'Drain a site: still planned, but the router sends it no new work; retire it once its queue is empty',
    tags: ['fleet'],
    request: { path: registrySitePathSchema, headers: ifMatchHeaders },
    responses: changeResponses(),
    publishesSiteConfig: true,
    load: () => loadHandler(import('./drain.js')),
  },
  {
    method: 'POST',
    resource: site('/{siteId}/retire'),
    entry: 'functions/api/fleet-registry/retire.ts',
    roles: OPERATOR_ROLES,
    operationId: 'retireRegisteredSite',
    summary:
      'Retire a drained site: it leaves the plans from the next dispatch. 409 names what blocks it (queued work, a switch in flight)',
    tags: ['fleet'],
    request: { path: registrySitePathSchema, headers: ifMatchHeaders },
    responses: changeResponses(),
    publishesSiteConfig: true,
    load: () => loadHandler(import('./retire.js')),
  },
  ...groupRoutes('asic-groups', {
    add: () => loadHandler(import('./asic-group-add.js')),
    patch: () => loadHandler(import('./asic-group-patch.js')),
    retire: () => loadHandler(import('./asic-group-retire.js')),
  }),
  ...groupRoutes('gpu-pools', {
    add: () => loadHandler(import('./gpu-pool-add.js')),
    patch: () => loadHandler(import('./gpu-pool-patch.js')),
    retire: () => loadHandler(import('./gpu-pool-retire.js')),
  }),
];
