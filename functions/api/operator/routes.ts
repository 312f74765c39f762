import { OPERATOR_ROLES } from '../../../core/api/access.js';
import {
  currentPlanSchema,
  marketViewSchema,
  planHistoryQuerySchema,
  planHistorySchema,
  siteListSchema,
  sitePathSchema,
  siteViewSchema,
} from '../../../core/api/operations.js';
import type { ApiRoute } from '../route.js';
import { errorResponses, loadHandler } from '../route-helpers.js';

/** The operators' read routes over the fleet: sites and their live state, plans, the market. */
export const operatorRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/sites',
    entry: 'functions/api/operator/sites.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listSites',
    summary: 'Sites with their device groups, gateways’ latest state, switching and current setpoints',
    tags: ['operations'],
    responses: { 200: { description: 'The fleet', schema: siteListSchema }, ...errorResponses() },
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
    responses: { 200: { description: 'The site', schema: siteViewSchema }, ...errorResponses(404) },
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
    summary: 'Plan versions, newest first',
    tags: ['operations'],
    request: { query: planHistoryQuerySchema },
    responses: { 200: { description: 'Plan history', schema: planHistorySchema }, ...errorResponses() },
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
];
