import { ADMIN_ROLES, OPERATOR_ROLES } from '../../../core/api/access.js';
import { bidMarketQuerySchema, bidMarketSchema } from '../../../core/api/bids.js';
import {
  gatewayCredentialsSchema,
  gatewayRevokedSchema,
  onboardGatewayBodySchema,
} from '../../../core/api/gateways.js';
import {
  currentPlanSchema,
  marketViewSchema,
  overrideAcceptedSchema,
  overrideBodySchema,
  powerLimitBodySchema,
  sitePathSchema,
  switchHistoryQuerySchema,
} from '../../../core/api/operations.js';
import { optionalIdempotencyHeadersSchema } from '../../../core/api/workloads.js';
import {
  gpuNodeActionBodySchema,
  gpuNodeActionPathSchema,
  gpuNodeCommandAcceptedSchema,
  gpuNodeListSchema,
} from '../../../core/gpu/node-messages.js';
import { gpuPriceSheetBodySchema, gpuPriceSheetViewSchema } from '../../../core/market/gpu-price-sheet.js';
import { overrideCancelledSchema } from '../../../core/operations/overrides.js';
import { switchRecordsSchema } from '../../../core/operations/switches.js';
import {
  operatorSiteListSchema,
  operatorSiteViewSchema,
  planPageQuerySchema,
  planPageSchema,
} from '../../../core/operations/views.js';
import { registryRoutes } from '../fleet-registry/routes.js';
import { gridEventRoutes } from '../grid-events/routes.js';
import { modelCatalogRoutes } from '../model-catalog/routes.js';
import type { ApiRoute } from '../route.js';
import { BODY_ERRORS, errorResponses, loadHandler } from '../route-helpers.js';
import { telemetryHistoryRoutes } from '../telemetry/routes.js';

/**
 * The operators' routes over the fleet: sites and their live state, plans, the market, switches, overrides and the
 * GPU nodes (inventory, health, cordon and drain), and the sites' gateway identities.
 */
/** What a route that starts an override's SwitchFlow answers (an override, a power limit). */
const OVERRIDE_STARTED: ApiRoute['responses'] = {
  202: {
    description:
      'The SwitchFlow is started; its outcome shows in the site’s switching state (a repeat with the same Idempotency-Key answers the same execution)',
    schema: overrideAcceptedSchema,
    headers: ['Idempotent-Replayed'],
  },
  ...errorResponses(404, 422, ...BODY_ERRORS),
};

export const operatorRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/sites',
    entry: 'functions/api/operator/sites.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listSites',
    summary:
      'Sites with their devices’ and gateways’ latest state, a summary per device group, switching, override and current setpoints',
    tags: ['operations'],
    responses: { 200: { description: 'The fleet', schema: operatorSiteListSchema }, ...errorResponses() },
    load: () => loadHandler(import('./sites.js')),
  },
  {
    method: 'GET',
    resource: '/v1/sites/{siteId}',
    entry: 'functions/api/operator/site.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getSite',
    summary: 'One site in detail',
    tags: ['operations'],
    request: { path: sitePathSchema },
    responses: { 200: { description: 'The site', schema: operatorSiteViewSchema }, ...errorResponses(404) },
    load: () => loadHandler(import('./site.js')),
  },
  {
    method: 'GET',
    resource: '/v1/plans/current',
    entry: 'functions/api/operator/plan-current.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getCurrentPlan',
    summary: 'The plan dispatch works from (every site’s intervals and merit-order ladder)',
    tags: ['operations'],
    responses: { 200: { description: 'The current plan', schema: currentPlanSchema }, ...errorResponses(404) },
    load: () => loadHandler(import('./plan-current.js')),
  },
  {
    method: 'GET',
    resource: '/v1/plans',
    entry: 'functions/api/operator/plan-history.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listPlans',
    summary: 'Plan versions, newest first, with a cursor',
    tags: ['operations'],
    request: { query: planPageQuerySchema },
    responses: { 200: { description: 'A page of plan history', schema: planPageSchema }, ...errorResponses() },
    load: () => loadHandler(import('./plan-history.js')),
  },
  {
    method: 'GET',
    resource: '/v1/market',
    entry: 'functions/api/operator/market.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getMarket',
    summary: 'The newest market snapshot ingested',
    tags: ['operations'],
    responses: {
      200: { description: 'Market snapshot (null before the first ingestion)', schema: marketViewSchema },
      ...errorResponses(),
    },
    load: () => loadHandler(import('./market.js')),
  },
  {
    method: 'GET',
    resource: '/v1/market/gpu-prices',
    entry: 'functions/api/operator/gpu-prices-get.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getGpuPrices',
    summary: 'The GPU price sheet: what a GPU-hour sells for, per GPU model and tier',
    tags: ['operations'],
    responses: {
      200: { description: 'The sheet (null until an operator sets one)', schema: gpuPriceSheetViewSchema },
      ...errorResponses(),
    },
    load: () => loadHandler(import('./gpu-prices-get.js')),
  },
  {
    method: 'GET',
    resource: '/v1/market/bids',
    entry: 'functions/api/operator/bid-market.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getBidMarket',
    summary:
      'The bid market across tenants: open bids by model class, the book’s depth by limit, and the last clearings (#28)',
    tags: ['operations'],
    request: { query: bidMarketQuerySchema },
    responses: {
      200: { description: 'The order book and the clearings of the window', schema: bidMarketSchema },
      ...errorResponses(),
    },
    load: () => loadHandler(import('./bid-market.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/market/gpu-prices',
    entry: 'functions/api/operator/gpu-prices-put.ts',
    roles: ADMIN_ROLES,
    operationId: 'putGpuPrices',
    summary: 'Replaces the GPU price sheet; dispatch prices GPU work from its H100 rows from the next run',
    tags: ['operations'],
    request: { body: gpuPriceSheetBodySchema },
    responses: {
      200: { description: 'The sheet as stored', schema: gpuPriceSheetViewSchema },
      ...errorResponses(...BODY_ERRORS),
    },
    load: () => loadHandler(import('./gpu-prices-put.js')),
  },
  {
    method: 'GET',
    resource: '/v1/sites/{siteId}/switches',
    entry: 'functions/api/operator/switches.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listSiteSwitches',
    summary:
      'The site’s switches, newest first: outcome (executed, rejected, timed out, compensated), command, sequence, latency',
    tags: ['operations'],
    request: { path: sitePathSchema, query: switchHistoryQuerySchema },
    responses: { 200: { description: 'Switch history', schema: switchRecordsSchema }, ...errorResponses(404) },
    load: () => loadHandler(import('./switches.js')),
  },
  {
    method: 'POST',
    resource: '/v1/sites/{siteId}/overrides',
    entry: 'functions/api/operator/override.ts',
    roles: OPERATOR_ROLES,
    operationId: 'createOverride',
    summary:
      'Force a mode or a curtailment on a site until an expiry (≤ 24 h), through the switching flow (made once per Idempotency-Key)',
    tags: ['operations'],
    request: { path: sitePathSchema, headers: optionalIdempotencyHeadersSchema, body: overrideBodySchema },
    responses: OVERRIDE_STARTED,
    startsSwitchFlow: true,
    load: () => loadHandler(import('./override.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/sites/{siteId}/power-limit',
    entry: 'functions/api/operator/power-limit.ts',
    roles: OPERATOR_ROLES,
    operationId: 'setPowerLimit',
    summary:
      'Cap a site’s facility power (kW) until an expiry (≤ 24 h): a signed command through the switching flow, held by the gateway’s power controller',
    tags: ['operations'],
    request: { path: sitePathSchema, headers: optionalIdempotencyHeadersSchema, body: powerLimitBodySchema },
    responses: OVERRIDE_STARTED,
    startsSwitchFlow: true,
    load: () => loadHandler(import('./power-limit.js')),
  },
  {
    method: 'DELETE',
    resource: '/v1/sites/{siteId}/overrides/current',
    entry: 'functions/api/operator/cancel-override.ts',
    roles: OPERATOR_ROLES,
    operationId: 'cancelOverride',
    summary: 'End the site’s active override; the next dispatch switches it back to the plan',
    tags: ['operations'],
    request: { path: sitePathSchema },
    responses: {
      200: { description: 'The cancelled override', schema: overrideCancelledSchema },
      ...errorResponses(404, 409),
    },
    load: () => loadHandler(import('./cancel-override.js')),
  },
  {
    method: 'GET',
    resource: '/v1/sites/{siteId}/gpu-nodes',
    entry: 'functions/api/operator/gpu-nodes.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listGpuNodes',
    summary:
      'The site’s GPU nodes as its worker last reported them: pool, model, scheduling state (active, cordoned, draining) and who set it, health findings (temperature, ECC, XID), running jobs, last seen',
    tags: ['operations'],
    request: { path: sitePathSchema },
    responses: { 200: { description: 'GPU nodes', schema: gpuNodeListSchema }, ...errorResponses(404) },
    load: () => loadHandler(import('./gpu-nodes.js')),
  },
  {
    method: 'POST',
    resource: '/v1/sites/{siteId}/gpu-nodes/{nodeId}/{action}',
    entry: 'functions/api/operator/gpu-node-command.ts',
    roles: OPERATOR_ROLES,
    operationId: 'commandGpuNode',
    summary:
      'Cordon (no new work), drain (no new work, flex work requeued, guaranteed work finishes) or uncordon a GPU node; the command goes to the site’s GPU worker',
    tags: ['operations'],
    request: { path: gpuNodeActionPathSchema, body: gpuNodeActionBodySchema },
    responses: {
      202: {
        description:
          'The command is sent; the node’s new state shows in the site’s GPU nodes once its worker reports it',
        schema: gpuNodeCommandAcceptedSchema,
      },
      ...errorResponses(404, ...BODY_ERRORS),
    },
    publishesGpuNodeCommands: true,
    load: () => loadHandler(import('./gpu-node-command.js')),
  },
  {
    method: 'POST',
    resource: '/v1/sites/{siteId}/gateway',
    entry: 'functions/api/operator/gateway-onboard.ts',
    roles: OPERATOR_ROLES,
    operationId: 'onboardGateway',
    summary:
      'Onboard the site’s gateway from a CSR it generated (the private key stays on the gateway): the thing, the signed certificate attached to it and to the gateway policy, the thing group; returns the certificate, the data and credential endpoints and the role alias',
    tags: ['operations'],
    request: { path: sitePathSchema, body: onboardGatewayBodySchema },
    responses: {
      201: { description: 'Onboarded: a certificate was issued', schema: gatewayCredentialsSchema },
      200: { description: 'This key was onboarded already: its certificate', schema: gatewayCredentialsSchema },
      ...errorResponses(404, 409, 422, ...BODY_ERRORS),
    },
    managesGatewayIdentities: true,
    load: () => loadHandler(import('./gateway-onboard.js')),
  },
  {
    method: 'DELETE',
    resource: '/v1/sites/{siteId}/gateway',
    entry: 'functions/api/operator/gateway-revoke.ts',
    roles: OPERATOR_ROLES,
    operationId: 'revokeGateway',
    summary:
      'Revoke the site gateway’s certificates: deactivated (refused at the next connect), detached from the thing and the policy, deleted',
    tags: ['operations'],
    request: { path: sitePathSchema },
    responses: { 200: { description: 'Revoked', schema: gatewayRevokedSchema }, ...errorResponses(404) },
    managesGatewayIdentities: true,
    load: () => loadHandler(import('./gateway-revoke.js')),
  },
  ...registryRoutes,
  ...gridEventRoutes,
  ...modelCatalogRoutes,
  ...telemetryHistoryRoutes,
];
