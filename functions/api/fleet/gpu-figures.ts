import { OPERATOR_ROLES } from '../../../core/api/access.js';
import type { CursorPosition } from '../../../core/api/pagination.js';
import { fleetFiguresQuerySchema, monthWindow } from '../../../core/api/statements.js';
import type { Tenant } from '../../../core/api/tenants.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { fleetFigures } from '../../../core/metering/fleet-figures.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';

/**
 * GET /v1/fleet/gpu-figures?period=YYYY-MM: operators' month over every tenant's metered attempts — revenue, revenue
 * per installed GPU per month, GPU utilisation (GPU-seconds served over installed GPU time so far), energy,
 * preemptions by tier and failed attempts.
 */
export async function getFleetGpuFigures({ event, runtime }: ApiRequest) {
  const { period } = parseQuery(event, fleetFiguresQuerySchema);
  const tenants: Tenant[] = [];
  let after: CursorPosition | undefined;
  do {
    const page = await runtime.tenants.list(100, after);
    tenants.push(...page.items);
    const last = page.items.at(-1);
    after = page.nextCursor && last ? { tenantId: last.tenantId } : undefined;
  } while (after);
  const records = (
    await Promise.all(tenants.map((t) => runtime.workloads.usageRecords(t.tenantId, period)))
  ).flat() as MeteredAttempt[];
  const installedGpus = referenceFleet.sites.reduce((s, site) => s + site.gpuPools.reduce((p, g) => p + g.count, 0), 0);
  const figures = fleetFigures(records, { ...monthWindow(period, runtime.clock.nowMs()), installedGpus });
  return jsonResponse(200, { period, installedGpus, ...figures, tenants: tenants.length });
}

export const handler = apiHandler(OPERATOR_ROLES, getFleetGpuFigures);
