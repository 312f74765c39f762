import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { fleetKpisQuerySchema } from '../../../core/api/telemetry-history.js';
import { jsonResponse } from '../../shared/http.js';
import { athenaQueryRunner } from '../../telemetry-history/adapters/athena-runtime.js';
import { fleetKpis } from '../../telemetry-history/history.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';
import { telemetryHistory, useCloudTelemetryHistory } from './sources.js';

// In AWS the history is the Iceberg sink's, through Athena; the local platform's store, when set, comes first.
useCloudTelemetryHistory(athenaQueryRunner);

/** GET /v1/fleet/kpis?from&to&step: the fleet's KPIs over the window and per step, with the seed's targets. */
export async function getFleetKpis({ event }: ApiRequest) {
  const query = parseQuery(event, fleetKpisQuerySchema);
  return jsonResponse(200, await fleetKpis(telemetryHistory(), query));
}

export const handler = apiHandler(OPERATOR_ROLES, getFleetKpis);
