import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import {
  fleetKpisQuerySchema,
  fleetKpisSchema,
  siteTelemetryQuerySchema,
  siteTelemetrySchema,
} from '../../../core/api/telemetry-history.js';
import type { ApiRoute } from '../route.js';
import { errorResponses, loadHandler } from '../route-helpers.js';

/**
 * The operators' telemetry history (#27): a site's stored series and the fleet's KPIs over a bounded window, read
 * from the Parquet store locally and the Iceberg tables through Athena in AWS.
 */
export const telemetryHistoryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/sites/{siteId}/telemetry',
    entry: 'functions/api/telemetry/site-telemetry.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getSiteTelemetry',
    summary:
      'One site’s stored telemetry at a step: power against the limit, hashrate, prices, GPUs, money or per-group states',
    tags: ['operations'],
    request: { path: sitePathSchema, query: siteTelemetryQuerySchema },
    readsTelemetryHistory: true,
    readsEveryRegionHistory: true,
    responses: {
      200: { description: 'The series, one point per bucket with data', schema: siteTelemetrySchema },
      ...errorResponses(404, 503),
    },
    load: () => loadHandler(import('./site-telemetry.js')),
  },
  {
    method: 'GET',
    resource: '/v1/fleet/kpis',
    entry: 'functions/api/telemetry/fleet-kpis.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getFleetKpis',
    summary:
      'The fleet’s KPIs over a window and per step (utilisation, uptime, revenue per GPU, J/TH, energy cost per TH, switch and API latency) with the seed’s targets',
    tags: ['operations'],
    request: { query: fleetKpisQuerySchema },
    readsTelemetryHistory: true,
    responses: { 200: { description: 'The KPIs', schema: fleetKpisSchema }, ...errorResponses(503) },
    load: () => loadHandler(import('./fleet-kpis.js')),
  },
];
