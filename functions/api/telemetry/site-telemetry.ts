import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { siteTelemetryQuerySchema } from '../../../core/api/telemetry-history.js';
import { jsonResponse } from '../../shared/http.js';
import { athenaQueryRunner, athenaQueryRunners } from '../../telemetry-history/adapters/athena-runtime.js';
import { mergedSiteTelemetry } from '../../telemetry-history/history.js';
import { type ApiRequest, apiHandler, parsePath, parseQuery } from '../handler.js';
import { operatorSources, siteOf } from '../operator/views.js';
import { telemetryHistories, useCloudTelemetryHistory } from './sources.js';

// In AWS the history is the Iceberg sinks', through Athena: every region's store, merged (docs/REGIONS.md); the
// local platform's store, when set, comes first.
useCloudTelemetryHistory(athenaQueryRunner, athenaQueryRunners);

/**
 * GET /v1/sites/{siteId}/telemetry?from&to&metric&step: one site's stored series at a step, merged across the
 * regions' stores in a multi-region deployment; an unknown site is a 404.
 */
export async function getSiteTelemetry({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const query = parseQuery(event, siteTelemetryQuerySchema);
  await siteOf(operatorSources(runtime), siteId);
  return jsonResponse(200, await mergedSiteTelemetry(telemetryHistories(), siteId, query));
}

export const handler = apiHandler(OPERATOR_ROLES, getSiteTelemetry);
