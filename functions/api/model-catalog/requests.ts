import { gatewayThingNameOf } from '../../../core/fleet/site-config.js';
import {
  catalogOverSeed,
  modelVersionBodySchema,
  modelVersionPathSchema,
  modelVersionViolations,
  versionOf,
} from '../../../core/gpu/model-catalog.js';
import { gpuHardware, tensorParallelToFit } from '../../../core/gpu/models.js';
import {
  poolDeploymentBodySchema,
  poolDeploymentPathSchema,
  poolDeploymentViolations,
  siteDeploymentsPathSchema,
} from '../../../core/serving/pool-deployment.js';
import type { FieldIssue } from '../../../core/support/validation.js';
import { placePoolDeployment } from '../../fleet/pool-deployments.js';
import { DynamoModelCatalogStore } from '../../shared/data/model-catalog-store.js';
import { DynamoPoolDeploymentStore } from '../../shared/data/pool-deployment-store.js';
import { DynamoSiteRegistryStore } from '../../shared/data/site-registry-store.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, nowIso, parseBody, parsePath } from '../handler.js';
import type { ApiRuntime } from '../runtime.js';

/**
 * The model catalog's API: the versions the platform can serve (the seed's and those registered), one version, and
 * registering one; and which version each GPU pool serves. A version's rules beyond its shape (a GPU of the hardware catalog, weights that fit it) answer 422
 * naming the field.
 */
const store = (runtime: ApiRuntime) =>
  new DynamoModelCatalogStore({ client: runtime.client, tableName: runtime.tableName });
const deployments = (runtime: ApiRuntime) =>
  new DynamoPoolDeploymentStore({ client: runtime.client, tableName: runtime.tableName });
const refused = (issues: FieldIssue[]) =>
  new HttpError(
    422,
    'catalog-rule-broken',
    `refused: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );

const GPU_MEMORY_GB = Object.fromEntries(Object.entries(gpuHardware).map(([id, spec]) => [id, spec.memoryGb]));
const fits = (weightsGb: number, gpuMemoryGb: number) =>
  tensorParallelToFit({ weightsGb, activeParamsB: 0 }, gpuMemoryGb) !== undefined;

/** GET /v1/model-catalog */
export async function listModelVersions({ runtime }: ApiRequest) {
  return jsonResponse(200, { models: catalogOverSeed(await store(runtime).list()) });
}

/** GET /v1/model-catalog/{org}/{name}/versions/{version} */
export async function getModelVersion({ event, runtime }: ApiRequest) {
  const { org, name, version } = parsePath(event, modelVersionPathSchema);
  const modelId = `${org}/${name}`;
  const found = catalogOverSeed(await store(runtime).list()).find(
    (m) => m.modelId === modelId && m.version === version,
  );
  if (!found) throw new HttpError(404, 'not-found', `${modelId} version ${version} is not in the model catalog`);
  return jsonResponse(200, found);
}

/** PUT /v1/model-catalog/{org}/{name}/versions/{version}: registers (or replaces) one version. */
export async function putModelVersion(request: ApiRequest) {
  const { org, name, version } = parsePath(request.event, modelVersionPathSchema);
  const body = parseBody(request.event, modelVersionBodySchema);
  const issues = modelVersionViolations(body, GPU_MEMORY_GB, fits);
  if (issues.length > 0) throw refused(issues);
  const entry = {
    ...body,
    modelId: `${org}/${name}`,
    version,
    registeredAt: nowIso(request),
    registeredBy: request.principal.principalId,
  };
  const audited = auditWrites(request, 'model-catalog.put', `${entry.modelId}@${version}`, { engine: body.engine });
  await store(request.runtime).put(entry, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(200, entry);
}

const registered = (runtime: ApiRuntime, siteId: string) =>
  new DynamoSiteRegistryStore({ client: runtime.client, tableName: runtime.tableName }).get(siteId);

/**
 * GET /v1/sites/{siteId}/deployments: the model version each GPU pool of the site serves, with the serving state its
 * gateway reported in the site-configuration shadow (replicas by version and state, warm-ups charged).
 */
export async function listPoolDeployments({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, siteDeploymentsPathSchema);
  const [stored, site] = await Promise.all([deployments(runtime).list(siteId), registered(runtime, siteId)]);
  const serving = site ? await runtime.registry.publisher.servingState(gatewayThingNameOf(site.config)) : {};
  return jsonResponse(200, { deployments: stored.map((d) => ({ ...d, serving: serving[d.poolId] ?? null })) });
}

/**
 * PUT /v1/sites/{siteId}/gpu-pools/{poolId}/deployment: the version the pool serves from its next reconciliation (a
 * rolling upgrade when it changes), sent to the site's gateway in its site-configuration shadow with the catalog
 * entry it loads. The pool must be registered; the version in the catalog, measured on the pool's GPU and fitting it
 * (422 naming the field).
 */
export async function putPoolDeployment(request: ApiRequest) {
  const { siteId, poolId } = parsePath(request.event, poolDeploymentPathSchema);
  const body = parseBody(request.event, poolDeploymentBodySchema);
  const { runtime } = request;
  const site = await registered(runtime, siteId);
  const pool = site?.config.gpuPools.find((p) => p.id === poolId);
  if (!site || !pool) throw new HttpError(404, 'not-found', `site ${siteId} has no GPU pool ${poolId}`);
  const catalog = catalogOverSeed(await store(runtime).list());
  const issues = poolDeploymentViolations(catalog, pool.model, body);
  if (issues.length > 0) throw refused(issues);
  const deployment = { ...body, siteId, poolId, updatedAt: nowIso(request), updatedBy: request.principal.principalId };
  const audited = auditWrites(request, 'deployment.put', `${siteId}/${poolId}`, { ...body });
  const entry = versionOf(catalog.find((m) => m.modelId === body.modelId && m.version === body.version)!);
  await placePoolDeployment(
    { store: deployments(runtime), publisher: runtime.registry.publisher },
    { site: site.config, deployment, entry, alongside: audited.items },
  );
  auditCommitted(request, audited);
  return jsonResponse(200, deployment);
}
