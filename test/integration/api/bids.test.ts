import { clearInterval } from '../../../functions/bids/clear-interval.js';
import { type ApiHarness, startApiHarness } from './harness.js';

let h: ApiHarness;
let otherKey: string;

beforeAll(async () => {
  h = await startApiHarness({ seedSites: false });
  otherKey = await h.addCustomerTenant('tenant-b');
});

afterAll(async () => {
  await h?.stop();
});

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const hoursFromNow = (hours: number) => new Date(h.api.runtime.clock.nowMs() + hours * 3_600_000).toISOString();
const bidBody = (over: Record<string, unknown> = {}) => ({
  modelClass: MODEL,
  gpuHours: 10,
  limitUsdPerGpuHour: 4,
  earliestStartAt: hoursFromNow(0),
  deadlineAt: hoursFromNow(6),
  ...over,
});
const place = (over: Record<string, unknown> = {}, key = h.demo.apiKey) =>
  h.call('POST', '/v1/bids', { key, body: bidBody(over) });
const store = () => h.api.runtime.bids;
const interval = (capacity: number) => ({
  intervalStart: new Date(h.api.runtime.clock.nowMs()).toISOString(),
  intervalEnd: hoursFromNow(0.25),
  capacityGpuHoursByClass: { [MODEL]: capacity },
  nowIso: new Date(h.api.runtime.clock.nowMs()).toISOString(),
});

describe('bids: place, amend, cancel, list, clearing history', () => {
  it('places an open bid in the caller’s tenant and lists it', async () => {
    // Act
    const placed = await place();
    const listed = await h.call('GET', '/v1/bids?status=open', { key: h.demo.apiKey });
    const otherTenant = await h.call('GET', '/v1/bids', { key: otherKey });
    // Assess
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ tenantId: 'demo', status: 'open', filledGpuHours: 0, version: 0 });
    expect(placed.headers.get('location')).toBe(`/v1/bids/${placed.body.id}`);
    expect(listed.body.items.map((b: { id: string }) => b.id)).toContain(placed.body.id);
    expect(otherTenant.body.items.map((b: { id: string }) => b.id)).not.toContain(placed.body.id);
  });

  it.each([
    ['a limit below the published floor', () => ({ limitUsdPerGpuHour: 1 }), 'limitUsdPerGpuHour', 'below_floor'],
    [
      'a window in the past',
      () => ({ earliestStartAt: hoursFromNow(-5), deadlineAt: hoursFromNow(-1) }),
      'deadlineAt',
      'window_in_past',
    ],
    ['a window shorter than the job', () => ({ gpuHours: 100, maxGpus: 4 }), 'deadlineAt', 'window_shorter_than_job'],
  ])('answers 422 naming the rule for %s', async (_what, over, field, rule) => {
    const response = await place(over());
    expect(response.status).toBe(422);
    expect(response.body.error.issues).toEqual([expect.objectContaining({ field, rule })]);
  });

  it('amends an open bid under the same rules, and refuses to amend a cancelled one', async () => {
    // Prepare
    const { body: bid } = await place();
    // Act
    const raised = await h.call('PATCH', `/v1/bids/${bid.id}`, { key: h.demo.apiKey, body: { limitUsdPerGpuHour: 5 } });
    const belowFloor = await h.call('PATCH', `/v1/bids/${bid.id}`, {
      key: h.demo.apiKey,
      body: { limitUsdPerGpuHour: 1 },
    });
    const cancelled = await h.call('POST', `/v1/bids/${bid.id}/cancel`, { key: h.demo.apiKey });
    const afterCancel = await h.call('PATCH', `/v1/bids/${bid.id}`, { key: h.demo.apiKey, body: { gpuHours: 5 } });
    // Assess
    expect(raised.status).toBe(200);
    expect(raised.body).toMatchObject({ limitUsdPerGpuHour: 5, version: 1 });
    expect(belowFloor.status).toBe(422);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect(afterCancel.status).toBe(409);
    expect(afterCancel.body.error.issues).toEqual([expect.objectContaining({ field: 'status', rule: 'not_open' })]);
  });

  it('clears two tenants’ bids at one uniform price and shows the fills in the history and on the statement', async () => {
    // Prepare: a fresh model class of its own so earlier bids do not clear here.
    const model = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
    const high = await place({ modelClass: model, limitUsdPerGpuHour: 6, gpuHours: 8 });
    const low = await place({ modelClass: model, limitUsdPerGpuHour: 3.5, gpuHours: 8 }, otherKey);
    const lowest = await place({ modelClass: model, limitUsdPerGpuHour: 2, gpuHours: 8 }, otherKey);
    // Act: 12 GPU-hours for bids: the 6 $ bid whole, 4 of the 3.5 $ bid, nothing for the 2 $ one.
    const [record] = await clearInterval(store(), { ...interval(12), capacityGpuHoursByClass: { [model]: 12 } });
    const history = await h.call('GET', '/v1/bids/clearings', { key: h.demo.apiKey });
    const period = new Date(h.api.runtime.clock.nowMs()).toISOString().slice(0, 7);
    const statement = await h.call('GET', `/v1/usage/statement?period=${period}`, { key: otherKey });
    // Assess
    expect(record).toMatchObject({ priceUsdPerGpuHour: 3.5, capacityGpuHours: 12 });
    expect(record!.fills.map((f) => [f.bidId, f.gpuHours, f.amountUsd])).toEqual([
      [high.body.id, 8, 28],
      [low.body.id, 4, 14],
    ]);
    expect(history.body.items).toEqual([
      expect.objectContaining({ bidId: high.body.id, gpuHours: 8, priceUsdPerGpuHour: 3.5, amountUsd: 28 }),
    ]);
    expect(statement.body.bidFills).toEqual({
      lines: [expect.objectContaining({ bidId: low.body.id, gpuHours: 4, amountUsd: 14 })],
      gpuHours: 4,
      amountUsd: 14,
      creditUsd: 0,
      dueUsd: 14,
    });
    const lowestNow = await store().get('tenant-b', lowest.body.id);
    expect(lowestNow).toMatchObject({ status: 'open', filledGpuHours: 0, fills: [] });
  });

  it('never fills a bid cancelled between the clearing’s read and its write (DynamoDB Local transaction)', async () => {
    // Prepare: the clearing has read the bid open at version 0 ...
    const model = 'meta-llama/Llama-3.1-70B-Instruct';
    const { body: bid } = await place({ modelClass: model });
    const staleRead = (await store().get('demo', bid.id))!;
    // ... then the customer cancels it.
    const cancelled = await h.call('POST', `/v1/bids/${bid.id}/cancel`, { key: h.demo.apiKey });
    // Act: the write of the stale clearing, then the use case that reads again.
    const stale = await store().recordClearing(
      {
        clearingId: 'stale',
        intervalStart: '2000-01-01T00:00:00.000Z',
        modelClass: model,
        priceUsdPerGpuHour: 4,
        capacityGpuHours: 10,
        fills: [{ bidId: bid.id, tenantId: 'demo', gpuHours: 10, amountUsd: 40 }],
        skipped: [],
        clearedAt: staleRead.updatedAt,
      },
      [
        {
          bid: staleRead,
          fill: {
            clearingId: 'stale',
            intervalStart: staleRead.placedAt,
            gpuHours: 10,
            priceUsdPerGpuHour: 4,
            amountUsd: 40,
          },
        },
      ],
    );
    const records = await clearInterval(
      { ...storeMethods(), open: async () => [staleRead] },
      { ...interval(50), capacityGpuHoursByClass: { [model]: 50 } },
    );
    // Assess
    expect(cancelled.status).toBe(200);
    expect(stale).toEqual({ ok: false, conflicted: [bid.id] });
    expect(records).toEqual([expect.objectContaining({ fills: [], priceUsdPerGpuHour: null })]);
    expect(await store().get('demo', bid.id)).toMatchObject({ status: 'cancelled', fills: [] });
    expect(await store().clearings('2000-01-01T00:00:00.000Z', '2000-01-02T00:00:00.000Z')).toEqual([]);
  });

  it('a cancel racing a clearing: whichever commits first, nothing is filled after the cancel', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 12; round += 1) {
      // Prepare
      const { body: bid } = await place({ gpuHours: 4 + round });
      // Act: both at once.
      const [cancel] = await Promise.all([
        h.call('POST', `/v1/bids/${bid.id}/cancel`, { key: h.demo.apiKey }),
        clearInterval(store(), { ...interval(2), capacityGpuHoursByClass: { [MODEL]: 2 } }),
      ]);
      // Assess: the cancel's answer is the bid's last state: what was filled before it, and nothing since.
      const final = await store().get('demo', bid.id);
      expect(cancel.status).toBe(200);
      expect(final).toEqual(cancel.body);
      expect(final!.status).toBe('cancelled');
      outcomes.add(final!.fills.length ? 'filled-then-cancelled' : 'cancelled-first');
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});

describe('bids to a partner: a cancel racing the clearing', () => {
  it('never sends a bid to the partner once its cancel commits, and creates work only for fills written', async () => {
    // Prepare: one partner the demo tenant allows, serving the model at $0.60 per million output tokens
    const partnerId = 'partner-race';
    const catalogue = {
      partners: async () => [
        {
          partnerId,
          name: partnerId,
          region: 'eu' as const,
          baseUrl: 'http://127.0.0.1:1',
          latencyMs: 0,
          markupFraction: 0.25,
          models: [
            { modelId: MODEL, inputUsdPerMillionTokens: 0.2, outputUsdPerMillionTokens: 0.6, outputTokensPerSec: 1e5 },
          ],
        },
      ],
    };
    const settings = {
      get: async (tenantId: string) => ({
        tenantId,
        allowedPartnerIds: [partnerId],
        dataRegions: ['eu' as const],
        maxPriceUsdPerMillionTokens: 5,
        updatedAt: new Date(0).toISOString(),
        updatedBy: 'test',
      }),
    };
    const worked: string[] = [];
    const venues = {
      partners: { catalogue, settings },
      work: async (bid: { id: string }) => {
        worked.push(bid.id);
      },
    };
    const outcomes = new Set<string>();
    for (let round = 0; round < 8; round += 1) {
      // A bid due before the interval ends (it cannot wait), within the partner's $16.20/GPU-h
      const { body: bid } = await place({
        gpuHours: 0.05,
        maxGpus: 1,
        limitUsdPerGpuHour: 20,
        deadlineAt: hoursFromNow(0.2),
      });
      // Act: the cancel and a clearing with no site capacity, at once
      const [cancel] = await Promise.all([
        h.call('POST', `/v1/bids/${bid.id}/cancel`, { key: h.demo.apiKey }),
        clearInterval(store(), { ...interval(0), capacityGpuHoursByClass: {} }, venues),
      ]);
      // Assess: either the cancel committed first (cancelled, never sent) or the partner fill did (the whole bid
      // filled there, the cancel refused 409); work exists exactly for a fill written
      const final = (await store().get('demo', bid.id))!;
      if (cancel.status === 200) {
        expect(final).toMatchObject({ status: 'cancelled', fills: [] });
      } else {
        expect(cancel.status).toBe(409);
        expect(final.status).toBe('filled');
        expect(final.fills).toEqual([expect.objectContaining({ venue: 'partner', partnerId, gpuHours: 0.05 })]);
      }
      expect(worked.filter((id) => id === bid.id)).toHaveLength(final.fills.length);
      outcomes.add(final.status);
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});

/** The store's methods as plain functions, so a test can replace one (the clearing's stale read). */
function storeMethods() {
  const s = store();
  return {
    open: () => s.open(),
    get: s.get.bind(s),
    replace: s.replace.bind(s),
    recordClearing: s.recordClearing.bind(s),
    clearings: s.clearings.bind(s),
  };
}
