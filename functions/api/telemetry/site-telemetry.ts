import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { siteTelemetryQuerySchema } from '../../../core/api/telemetry-history.js';
import { jsonResponse } from '../../shared/http.js';
import { athenaQueryRunner } from '../../telemetry-history/adapters/athena-runtime.js';
import { siteTelemetry } from '../../telemetry-history/history.js';
import { type ApiRequest, apiHandler, parsePath, parseQuery } from '../handler.js';
import { operatorSources, siteOf } from '../operator/views.js';
import { telemetryHistory, useCloudTelemetryHistory } from './sources.js';

// In AWS the history is the Iceberg sink's, through Athena; the local platform's store, when set, comes first.
useCloudTelemetryHistory(athenaQueryRunner);

/** GET /v1/sites/{siteId}/telemetry?from&to&metric&step: one site's stored series at a step; an unknown site is a 404. */
export async function getSiteTelemetry({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const query = parseQuery(event, siteTelemetryQuerySchema);
  await siteOf(operatorSources(runtime), siteId);
  return jsonResponse(200, await siteTelemetry(telemetryHistory(), siteId, query));
}

export const handler = apiHandler(OPERATOR_ROLES, getSiteTelemetry);
