import { OPERATOR_ROLES } from '../../../core/api/access.js';
import {
  evidenceQuerySchema,
  gridEventPageSchema,
  gridEventPathSchema,
  gridEventsQuerySchema,
} from '../../../core/api/grid-events.js';
import { gridEventEvidenceSchema } from '../../../core/grid-events/evidence.js';
import type { ApiRoute } from '../route.js';
import { errorResponses, loadHandler } from '../route-helpers.js';

/** The operators' M&V routes: grid events and each one's evidence. */
export const gridEventRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/grid-events',
    entry: 'functions/api/grid-events/list.ts',
    roles: OPERATOR_ROLES,
    operationId: 'listGridEvents',
    summary:
      'Grid events of every site (DR deployments, under-frequency trips, 4CP and price curtailments), newest first',
    tags: ['operations'],
    request: { query: gridEventsQuerySchema },
    responses: { 200: { description: 'A page of grid events', schema: gridEventPageSchema }, ...errorResponses() },
    load: () => loadHandler(import('./list.js')),
  },
  {
    method: 'GET',
    resource: '/v1/grid-events/{gridEventId}/evidence',
    entry: 'functions/api/grid-events/evidence.ts',
    roles: OPERATOR_ROLES,
    operationId: 'getGridEventEvidence',
    summary:
      'M&V evidence of an ended grid event (baseline, response curve, device timelines, settlement): JSON, CSV or a printable HTML report; stored immutably, its SHA-256 in the audit chain',
    tags: ['operations'],
    request: { path: gridEventPathSchema, query: evidenceQuerySchema },
    writesEvidence: true,
    responses: {
      200: {
        description: 'The evidence (format=csv or Accept: text/csv for CSV; format=html or Accept: text/html for HTML)',
        schema: gridEventEvidenceSchema,
        headers: ['HCP-Evidence-SHA256'],
        csv: true,
        html: true,
      },
      ...errorResponses(404, 409),
    },
    load: () => loadHandler(import('./evidence.js')),
  },
];
