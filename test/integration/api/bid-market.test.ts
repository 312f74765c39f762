import { clearInterval } from '../../../functions/bids/clear-interval.js';
import { type ApiHarness, startApiHarness } from './harness.js';

let h: ApiHarness;
let otherKey: string;

beforeAll(async () => {
  h = await startApiHarness({ seedSites: false, tableName: 'hcp-bid-market-test' });
  otherKey = await h.addCustomerTenant('tenant-b');
});

afterAll(async () => {
  await h?.stop();
});

const SMALL = 'meta-llama/Llama-3.1-8B-Instruct';
const LARGE = 'meta-llama/Llama-3.1-70B-Instruct';
const at = (minutes: number) => new Date(h.api.runtime.clock.nowMs() + minutes * 60_000).toISOString();
const place = (key: string, body: Record<string, unknown>) =>
  h.call('POST', '/v1/bids', { key, body: { earliestStartAt: at(0), deadlineAt: at(600), ...body } });

describe('GET /v1/market/bids: the order book across tenants, for operators only', () => {
  it('shows every tenant’s open bids by model class with the depth by limit, and the last clearings', async () => {
    // Prepare: tenant demo bids 8 GPU-h at $5 and 32.4 M tokens (8B: 1.5 GPU-h) at $0.25/M ($5.40/GPU-h); tenant b
    // 4 GPU-h at $5 on the 8B model and 2 GPU-h on the 70B; one clearing of 3 GPU-h of the 8B class
    const a1 = await place(h.demo.apiKey, { modelClass: SMALL, gpuHours: 8, limitUsdPerGpuHour: 5 });
    const a2 = await place(h.demo.apiKey, { modelClass: SMALL, tokens: 32_400_000, limitUsdPerMillionTokens: 0.25 });
    const b1 = await place(otherKey, { modelClass: SMALL, gpuHours: 4, limitUsdPerGpuHour: 5 });
    const b2 = await place(otherKey, { modelClass: LARGE, gpuHours: 2, limitUsdPerGpuHour: 6 });
    expect([a1, a2, b1, b2].map((r) => r.status)).toEqual([201, 201, 201, 201]);
    await clearInterval(h.api.runtime.bids, {
      intervalStart: at(0),
      intervalEnd: at(15),
      capacityGpuHoursByClass: { [SMALL]: 3 },
      nowIso: at(0),
    });

    // Act
    const market = await h.call('GET', '/v1/market/bids', { key: h.demo.operatorApiKey });
    const small = await h.call('GET', `/v1/market/bids?modelClass=${encodeURIComponent(SMALL)}&hours=1`, {
      key: h.demo.operatorApiKey,
    });

    // Assess: the tokens bid (highest limit, $5.40) took 1.5 GPU-h whole and is gone from the book; a1 (placed first at
    // $5) took the other 1.5; the book's depth adds both tenants' bids at $5
    expect(market.status).toBe(200);
    expect(market.body.book).toEqual([
      { modelClass: LARGE, levels: [{ limitUsdPerGpuHour: 6, gpuHours: 2, bids: 1, cumulativeGpuHours: 2 }] },
      { modelClass: SMALL, levels: [{ limitUsdPerGpuHour: 5, gpuHours: 10.5, bids: 2, cumulativeGpuHours: 10.5 }] },
    ]);
    expect(market.body.openBids.map((b: { id: string; tenantId: string }) => [b.id, b.tenantId])).toEqual([
      [b2.body.id, 'tenant-b'],
      [a1.body.id, 'demo'],
      [b1.body.id, 'tenant-b'],
    ]);
    expect(market.body.clearings).toEqual([
      expect.objectContaining({
        modelClass: SMALL,
        priceUsdPerGpuHour: 5,
        capacityGpuHours: 3,
        fills: [
          expect.objectContaining({ bidId: a2.body.id, tenantId: 'demo', gpuHours: 1.5 }),
          expect.objectContaining({ bidId: a1.body.id, tenantId: 'demo', gpuHours: 1.5 }),
        ],
      }),
    ]);
    expect(small.body.book.map((c: { modelClass: string }) => c.modelClass)).toEqual([SMALL]);
    expect(small.body.openBids).toHaveLength(2);
    expect(small.body.clearings).toHaveLength(1);
  });

  it('refuses customers (403), and a customer’s own list never shows another tenant’s bids', async () => {
    // Act
    const customer = await h.call('GET', '/v1/market/bids', { key: h.demo.apiKey });
    const otherCustomer = await h.call('GET', '/v1/market/bids', { key: otherKey });
    const ownList = await h.call('GET', '/v1/bids', { key: otherKey });
    const badWindow = await h.call('GET', '/v1/market/bids?hours=0', { key: h.demo.operatorApiKey });

    // Assess
    expect([customer.status, otherCustomer.status]).toEqual([403, 403]);
    expect(new Set(ownList.body.items.map((b: { tenantId: string }) => b.tenantId))).toEqual(new Set(['tenant-b']));
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error.issues[0]).toMatchObject({ field: 'hours' });
  });
});
