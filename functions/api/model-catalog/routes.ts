import { ADMIN_ROLES, OPERATOR_ROLES, READ_ONLY_REFERENCE_ROLES } from '../../../core/api/access.js';
import {
  modelCatalogViewSchema,
  modelVersionBodySchema,
  modelVersionPathSchema,
  modelVersionViewSchema,
} from '../../../core/gpu/model-catalog.js';
import {
  poolDeploymentBodySchema,
  poolDeploymentListSchema,
  poolDeploymentPathSchema,
  poolDeploymentSchema,
  siteDeploymentsPathSchema,
} from '../../../core/serving/pool-deployment.js';
import type { ApiRoute } from '../route.js';
import { BODY_ERRORS, errorResponses, loadHandler } from '../route-helpers.js';

const VERSION = '/v1/model-catalog/{org}/{name}/versions/{version}';

/** The 422 of a catalog rule, described with the rules the route checks. */
const refusedByRule = (rules: string): ApiRoute['responses'] => ({
  422: {
    ...errorResponses(422)[422]!,
    description: `refused by a catalog rule (${rules}): \`error.issues\` names the field`,
  },
});

/** The model catalog: which model versions the pools may serve, their weights, memory, throughput and warm-up. */
export const modelCatalogRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/model-catalog',
    entry: 'functions/api/model-catalog/list.ts',
    // Customers read the catalog (which models they can ask for); it holds no tenant's data.
    roles: READ_ONLY_REFERENCE_ROLES,
    operationId: 'listModelVersions',
    summary: 'Model versions the platform can serve: weights, GPU memory, tokens/s per GPU model, warm-up, engine',
    tags: ['fleet'],
    responses: { 200: { description: 'The model catalog', schema: modelCatalogViewSchema }, ...errorResponses() },
    load: () => loadHandler(import('./list.js')),
  },
  {
    method: 'GET',
    resource: VERSION,
    entry: 'functions/api/model-catalog/get.ts',
    // Customers read the catalog (which models they can ask for); it holds no tenant's data.
    roles: READ_ONLY_REFERENCE_ROLES,
    operationId: 'getModelVersion',
    summary: 'One version of a model (`org/name`) in the catalog',
    tags: ['fleet'],
    request: { path: modelVersionPathSchema },
    responses: { 200: { description: 'The version', schema: modelVersionViewSchema }, ...errorResponses(404) },
    load: () => loadHandler(import('./get.js')),
  },
  {
    method: 'PUT',
    resource: VERSION,
    entry: 'functions/api/model-catalog/put.ts',
    roles: ADMIN_ROLES,
    operationId: 'putModelVersion',
    summary: 'Registers or replaces a model version; pools serve it from their next reconciliation',
    tags: ['fleet'],
    request: { path: modelVersionPathSchema, body: modelVersionBodySchema },
    responses: {
      200: { description: 'The version as stored', schema: modelVersionViewSchema },
      ...errorResponses(...BODY_ERRORS),
      ...refusedByRule('a GPU outside the hardware catalog, or weights that fit none of its GPUs'),
    },
    load: () => loadHandler(import('./put.js')),
  },
  {
    method: 'GET',
    resource: '/v1/sites/{siteId}/deployments',
    entry: 'functions/api/model-catalog/deployments-list.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listPoolDeployments',
    summary:
      'The model version each GPU pool of the site serves, with what its gateway last reported: replicas by version and state (loading, warming, ready, draining), warm-ups and their energy and cost',
    // Reads the gateways' reported state in the site-configuration shadow.
    publishesSiteConfig: true,
    tags: ['fleet'],
    request: { path: siteDeploymentsPathSchema },
    responses: { 200: { description: 'The deployments', schema: poolDeploymentListSchema }, ...errorResponses() },
    load: () => loadHandler(import('./deployments-list.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/sites/{siteId}/gpu-pools/{poolId}/deployment',
    entry: 'functions/api/model-catalog/deployment-put.ts',
    roles: OPERATOR_ROLES,
    operationId: 'putPoolDeployment',
    // Sets the pool's desired deployment in the site-configuration shadow.
    publishesSiteConfig: true,
    summary: 'Sets the catalog version a GPU pool serves; a change rolls out replica by replica, new before old drains',
    tags: ['fleet'],
    request: { path: poolDeploymentPathSchema, body: poolDeploymentBodySchema },
    responses: {
      200: { description: 'The deployment as stored', schema: poolDeploymentSchema },
      ...errorResponses(404, ...BODY_ERRORS),
      ...refusedByRule('a version not in the catalog, without a figure for the pool’s GPU, or too large for it'),
    },
    load: () => loadHandler(import('./deployment-put.js')),
  },
];
