import { gpuPriceSheetBodySchema } from '../../../core/market/gpu-price-sheet.js';
import { DynamoGpuPriceSheetStore } from '../../shared/data/gpu-price-sheet-store.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, nowIso, parseBody } from '../handler.js';
import type { ApiRuntime } from '../runtime.js';

const sheets = (runtime: ApiRuntime) =>
  new DynamoGpuPriceSheetStore({ client: runtime.client, tableName: runtime.tableName });

/** GET /v1/market/gpu-prices: the operator's price per GPU model and tier, or null when none has been set. */
export async function getGpuPrices({ runtime }: ApiRequest) {
  return jsonResponse(200, { sheet: (await sheets(runtime).get()) ?? null });
}

/**
 * PUT /v1/market/gpu-prices: replaces the whole sheet. Dispatch prices GPU work from its H100 rows from the next run;
 * without a sheet it uses the defaults (core/optimizer/types.ts DEFAULT_DEMAND_TERMS).
 */
export async function putGpuPrices(request: ApiRequest) {
  const body = parseBody(request.event, gpuPriceSheetBodySchema);
  const sheet = { prices: body.prices, updatedAt: nowIso(request), updatedBy: request.principal.principalId };
  const audited = auditWrites(request, 'market.gpu-prices', 'gpu-prices', { prices: body.prices.length });
  await sheets(request.runtime).put(sheet, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(200, { sheet });
}
