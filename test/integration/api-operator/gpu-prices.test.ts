import { demandTermsFromSheet } from '../../../core/market/gpu-price-sheet.js';
import { DEFAULT_DEMAND_TERMS } from '../../../core/optimizer/types.js';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { DynamoGpuPriceSheetStore } from '../../../functions/shared/data/gpu-price-sheet-store.js';
import { type OperatorApiHarness, startOperatorApi } from './harness.js';

let h: OperatorApiHarness;

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-gpu-prices-test',
    switchFlows: { start: async () => ({ executionArn: 'arn:aws:states:local:execution:SwitchFlow:none' }) },
  });
});
afterAll(() => h?.stop());

const SHEET = {
  prices: [
    { gpuModel: 'H100', tier: 'guaranteed', usdPerGpuHour: 3.4 },
    { gpuModel: 'H100', tier: 'flex', usdPerGpuHour: 1.7 },
    { gpuModel: 'H200', tier: 'guaranteed', usdPerGpuHour: 4.1 },
  ],
};

describe('GPU price sheet (GET/PUT /v1/market/gpu-prices)', () => {
  it('answers null before a sheet is set, and dispatch falls back to the default terms', async () => {
    // Act
    const response = await h.call('GET', '/v1/market/gpu-prices', { role: 'operator' });
    const stored = await new DynamoGpuPriceSheetStore({ client: h.documents, tableName: h.tableName }).get();

    // Assess
    expect(response).toMatchObject({ status: 200, body: { sheet: null } });
    expect(demandTermsFromSheet(stored, DEFAULT_DEMAND_TERMS)).toEqual(DEFAULT_DEMAND_TERMS);
  });

  it('lets an admin set the sheet, audited, and dispatch price GPU work from its H100 rows', async () => {
    // Act
    const put = await h.call('PUT', '/v1/market/gpu-prices', { role: 'admin', principalId: 'admin-3', body: SHEET });
    const got = await h.call('GET', '/v1/market/gpu-prices', { role: 'operator' });
    const stored = await new DynamoGpuPriceSheetStore({ client: h.documents, tableName: h.tableName }).get();

    // Assess
    expect(put.status).toBe(200);
    expect(got.body.sheet).toMatchObject({ ...SHEET, updatedBy: 'admin-3' });
    expect(demandTermsFromSheet(stored, DEFAULT_DEMAND_TERMS)).toMatchObject({
      guaranteedUsdPerGpuHour: 3.4,
      flexUsdPerGpuHour: 1.7,
      guaranteedSlaPenaltyUsdPerGpuHour: DEFAULT_DEMAND_TERMS.guaranteedSlaPenaltyUsdPerGpuHour,
    });
    const audit = await listAudit({ client: h.documents, tableName: h.tableName }, 'platform', 100);
    expect(audit.items.map((e) => [e.action, e.actor])).toContainEqual(['market.gpu-prices', 'admin-3']);
  });

  it('refuses operators and customers a write (403)', async () => {
    // Act
    const operator = await h.call('PUT', '/v1/market/gpu-prices', { role: 'operator', body: SHEET });
    const customer = await h.call('GET', '/v1/market/gpu-prices', { role: 'customer-admin' });

    // Assess
    expect([operator.status, customer.status]).toEqual([403, 403]);
  });

  it.each([
    [
      'a negative price',
      { prices: [{ gpuModel: 'H100', tier: 'flex', usdPerGpuHour: -1 }] },
      'prices[0].usdPerGpuHour',
    ],
    ['an unknown tier', { prices: [{ gpuModel: 'H100', tier: 'spot', usdPerGpuHour: 1 }] }, 'prices[0].tier'],
    ['a model priced twice', { prices: [SHEET.prices[0], SHEET.prices[0]] }, 'prices[1]'],
    ['an unknown field', { ...SHEET, currency: 'EUR' }, 'currency'],
  ])('rejects %s, naming the field (400)', async (_case, body, field) => {
    // Act
    const response = await h.call('PUT', '/v1/market/gpu-prices', { role: 'admin', body });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].field).toBe(field);
  });
});
