import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { fleetFiguresQuerySchema, monthWindow } from '../../../core/api/statements.js';
import { installedGpus } from '../../../core/gpu/capacity.js';
import { fleetFigures } from '../../../core/metering/fleet-figures.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import { readRegisteredFleet } from '../../fleet/registry-fleet.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';

/**
 * GET /v1/fleet/gpu-figures?period=YYYY-MM: operators' month over every tenant's metered attempts — revenue, revenue
 * per installed GPU per month, GPU utilisation (GPU-seconds served over installed GPU time so far), energy,
 * preemptions by tier and failed attempts.
 */
export async function getFleetGpuFigures({ event, runtime }: ApiRequest) {
  const { period } = parseQuery(event, fleetFiguresQuerySchema);
  const tenants = await runtime.tenants.listAll();
  const records = (
    await Promise.all(tenants.map((t) => runtime.workloads.usageRecords(t.tenantId, period)))
  ).flat() as MeteredAttempt[];
  // Installed: the GPUs of the sites in service now (a site retired mid-month no longer counts).
  const installed = installedGpus((await readRegisteredFleet(runtime.registry.store)).sites);
  const figures = fleetFigures(records, { ...monthWindow(period, runtime.clock.nowMs()), installedGpus: installed });
  return jsonResponse(200, { period, installedGpus: installed, ...figures, tenants: tenants.length });
}

export const handler = apiHandler(OPERATOR_ROLES, getFleetGpuFigures);
