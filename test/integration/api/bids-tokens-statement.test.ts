import { BID_FILL_CSV_COLUMNS } from '../../../core/metering/statement.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import { clearInterval } from '../../../functions/bids/clear-interval.js';
import { type ApiHarness, startApiHarness } from './harness.js';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ seedSites: false, tableName: 'hcp-bids-tokens-test' });
});

afterAll(async () => {
  await h?.stop();
});

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const MINUTE_MS = 60_000;
const at = (minutes: number) => new Date(h.api.runtime.clock.nowMs() + minutes * MINUTE_MS).toISOString();
const window = () => ({ earliestStartAt: at(0), deadlineAt: at(360) });
const place = (body: Record<string, unknown>) =>
  h.call('POST', '/v1/bids', { key: h.demo.apiKey, body: { modelClass: MODEL, ...window(), ...body } });
const clear = (startMinutes: number, capacityGpuHours: number) =>
  clearInterval(h.api.runtime.bids, {
    intervalStart: at(startMinutes),
    intervalEnd: at(startMinutes + 15),
    capacityGpuHoursByClass: { [MODEL]: capacityGpuHours },
    nowIso: at(0),
  });

/** The CSV's sections (split at empty lines), each as rows of fields (no field here holds a comma). */
const sectionsOf = (csv: string) =>
  csv
    .trimEnd()
    .split('\r\n\r\n')
    .map((section) => section.split('\r\n').map((row) => row.split(',')));
const micro = (values: readonly (string | number)[]) =>
  values.reduce<number>((sum, v) => sum + Math.round(Number(v) * 1e6), 0) / 1e6;

describe('bids in tokens, and the statement’s bid fills and partner block in JSON and CSV', () => {
  it('answers 422 naming the field for a bid with both units, neither, or the other unit’s limit', async () => {
    // Act
    const both = await place({ gpuHours: 2, tokens: 1_000_000, limitUsdPerMillionTokens: 0.2 });
    const neither = await place({ limitUsdPerGpuHour: 4 });
    const mismatch = await place({ tokens: 1_000_000, limitUsdPerGpuHour: 4 });

    // Assess
    expect([both.status, neither.status, mismatch.status]).toEqual([422, 422, 422]);
    expect(both.body.error.issues).toEqual([expect.objectContaining({ field: 'tokens', rule: 'one_unit' })]);
    expect(neither.body.error.issues).toEqual([expect.objectContaining({ field: 'gpuHours', rule: 'one_unit' })]);
    expect(mismatch.body.error.issues).toEqual([
      expect.objectContaining({ field: 'limitUsdPerGpuHour', rule: 'unit_mismatch' }),
    ]);
  });

  it('clears a bid in tokens in GPU-hours and shows its fills in tokens; CSV totals equal the JSON’s', async () => {
    // Prepare: a bid in tokens (43.2 M tokens of the 8B model = 2 GPU-h at $0.20/M = $4.32/GPU-h) and one in GPU-hours
    // above it; a partner attempt on the tenant's month
    const tokens = await place({ tokens: 43_200_000, limitUsdPerMillionTokens: 0.2 });
    const hours = await place({ gpuHours: 4, limitUsdPerGpuHour: 5 });
    expect([tokens.status, hours.status]).toEqual([201, 201]);
    expect(tokens.body).toMatchObject({ unit: 'tokens', gpuHours: 2, limitUsdPerGpuHour: 4.32 });
    const partnerLine: MeteredAttempt = {
      tenantId: 'demo',
      workloadId: 'wl-partner-1',
      attempt: 1,
      siteId: 'partner-virtual',
      poolId: 'partner',
      modelId: MODEL,
      tier: 'flex',
      outcome: 'completed',
      completedAt: at(1),
      gpuSeconds: 0,
      inputTokens: 400,
      outputTokens: 2000,
      energyKwh: 0,
      priceUsd: 0.00155,
      partnerId: 'partner-virtual',
      partnerCostUsd: 0.00124,
    };
    await h.api.runtime.workloads.putUsageRecord(partnerLine);

    // Act: 3 GPU-h go to the higher limit; then 4 GPU-h: its last 1 and the tokens bid whole (2) at $4.32
    await clear(0, 3);
    await clear(15, 4);
    const month = at(0).slice(0, 7);
    const json = (await h.call('GET', `/v1/usage/statement?period=${month}`, { key: h.demo.apiKey })).body;
    const csvAnswer = await fetch(`${h.url}/v1/usage/statement?period=${month}&format=csv`, {
      headers: { 'x-api-key': h.demo.apiKey },
    });
    const [attempts, fills, partner] = sectionsOf(await csvAnswer.text());

    // Assess: the fill in tokens
    const tokenLine = json.bidFills.lines.find((l: { bidId: string }) => l.bidId === tokens.body.id);
    expect(tokenLine).toMatchObject({
      unit: 'tokens',
      tokens: 43_200_000,
      priceUsdPerMillionTokens: 0.2,
      gpuHours: 2,
      priceUsdPerGpuHour: 4.32,
      amountUsd: 8.64,
    });
    expect(json.bidFills).toMatchObject({ gpuHours: 6, amountUsd: micro([15, 4.32, 8.64]) });
    // CSV: the attempts' TOTAL, the bid fills' and the partner's totals are the JSON's, and their rows add up to them
    expect(attempts!.at(-1)!.at(-1)).toBe(String(json.totals.priceUsd));
    expect(fills![0]).toEqual([...BID_FILL_CSV_COLUMNS]);
    const fillRows = fills!.slice(1, -1);
    expect(fillRows).toHaveLength(3);
    expect(fillRows.find((r) => r[0] === tokens.body.id)!.slice(4, 8)).toEqual(['site', 'tokens', '43200000', '0.2']);
    expect(fills!.at(-1)![0]).toBe('BID FILLS TOTAL');
    expect(Number(fills!.at(-1)![8])).toBe(json.bidFills.gpuHours);
    expect(Number(fills!.at(-1)![10])).toBe(json.bidFills.amountUsd);
    expect(micro(fillRows.map((r) => r[10]!))).toBe(json.bidFills.amountUsd);
    expect(partner).toEqual([
      ['partnerId', 'attempts', 'priceUsd', 'partnerCostUsd', 'marginUsd'],
      ['partner-virtual', '1', '0.00155', '0.00124', '0.00031'],
      ['PARTNER TOTAL', '1', '0.00155', '0.00124', '0.00031'],
    ]);
    expect(json.partner).toMatchObject({ attempts: 1, priceUsd: 0.00155, partnerCostUsd: 0.00124, marginUsd: 0.00031 });
  });

  it('keeps a bid stored before bids in tokens (no unit) working: amended, filled and on the statement in GPU-hours', async () => {
    // Prepare: a GPU-hour bid as the store held it before this change, written straight to the table
    const tenantB = await h.addCustomerTenant('tenant-legacy');
    const legacy = {
      id: 'bid-legacy-1',
      tenantId: 'tenant-legacy',
      modelClass: MODEL,
      gpuHours: 3,
      limitUsdPerGpuHour: 9,
      ...window(),
      allOrNothing: false,
      maxGpus: 8,
      status: 'open' as const,
      filledGpuHours: 0,
      fills: [],
      placedAt: at(0),
      updatedAt: at(0),
      version: 0,
    };
    await h.api.runtime.bids.place(legacy);

    // Act
    const amended = await h.call('PATCH', `/v1/bids/${legacy.id}`, { key: tenantB, body: { gpuHours: 4 } });
    await clear(30, 4);
    const month = at(0).slice(0, 7);
    const json = (await h.call('GET', `/v1/usage/statement?period=${month}`, { key: tenantB })).body;

    // Assess
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({ gpuHours: 4, limitUsdPerGpuHour: 9, version: 1 });
    expect(json.bidFills.lines).toEqual([
      expect.objectContaining({
        bidId: legacy.id,
        unit: 'gpu-hours',
        gpuHours: 4,
        priceUsdPerGpuHour: 9,
        amountUsd: 36,
      }),
    ]);
    expect(json.bidFills.lines[0].tokens).toBeUndefined();
  });
});
