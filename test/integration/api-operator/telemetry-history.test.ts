import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useLocalTelemetryHistory } from '../../../functions/api/telemetry/sources.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import { type ApiHarness, startApiHarness } from '../../integration/api/harness.js';
import { HOUR, seedHour, siteRow, T0 } from '../../support/telemetry-history.js';

let h: ApiHarness;
let store: ParquetTelemetryStore;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'hcp-history-api-'));
  store = await ParquetTelemetryStore.open(root);
  seedHour(store);
  // site-west-1 is a registered site of the harness: its rows are what the site route answers.
  for (let m = 0; m < 60; m += 1)
    store.append('siteSeries', [siteRow('site-west-1', T0 + m * 60_000, { asic_kw: 42 })]);
  await store.flush();
  useLocalTelemetryHistory(store);
  h = await startApiHarness({ tableName: 'hcp-history-api-test' });
});

afterAll(async () => {
  useLocalTelemetryHistory(undefined);
  await h?.stop();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();
const window = `from=${iso(T0)}&to=${iso(T0 + HOUR)}`;

describe('history API (GET /v1/sites/{siteId}/telemetry, GET /v1/fleet/kpis)', () => {
  it('answers an operator the fleet KPIs over the window and per step, with the seed’s targets', async () => {
    // Act
    const response = await h.call('GET', `/v1/fleet/kpis?${window}&step=1800`, { key: h.demo.operatorApiKey });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.points).toHaveLength(2);
    expect(response.body.window.gatewayUptime).toBeCloseTo(0.75, 10);
    expect(response.body.window.apiUptime).toBeCloseTo(0.99, 10);
    expect(response.body.targets).toMatchObject({ powerUtilisation: 0.95, apiP50Ms: 50 });
  });

  it('answers a registered site’s series by metric', async () => {
    // Act
    const response = await h.call('GET', `/v1/sites/site-west-1/telemetry?${window}&step=1800&metric=power`, {
      key: h.demo.operatorApiKey,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.points.map((p: { asicKw: number }) => p.asicKw)).toEqual([42, 42]);
  });

  it('refuses customers (403) and answers an unknown site 404', async () => {
    // Act
    const customer = await h.call('GET', `/v1/fleet/kpis?${window}`, { key: h.demo.customerAdminApiKey });
    const unknown = await h.call('GET', `/v1/sites/site-nowhere-9/telemetry?${window}`, {
      key: h.demo.operatorApiKey,
    });

    // Assess
    expect([customer.status, unknown.status]).toEqual([403, 404]);
  });

  it('refuses a window or step past the limits, naming the field and the limit (400)', async () => {
    // Act
    const wide = await h.call('GET', `/v1/fleet/kpis?from=${iso(T0)}&to=${iso(T0 + 40 * 24 * HOUR)}&step=86400`, {
      key: h.demo.operatorApiKey,
    });
    const fine = await h.call('GET', `/v1/fleet/kpis?from=${iso(T0)}&to=${iso(T0 + 7 * 24 * HOUR)}&step=60`, {
      key: h.demo.operatorApiKey,
    });
    const bad = await h.call('GET', `/v1/sites/site-west-1/telemetry?${window}&metric=temperature`, {
      key: h.demo.operatorApiKey,
    });

    // Assess
    expect([wide.status, fine.status, bad.status]).toEqual([400, 400, 400]);
    expect(wide.body.error.issues[0]).toMatchObject({ field: 'to', message: expect.stringContaining('31 days') });
    expect(fine.body.error.issues[0]).toMatchObject({ field: 'step', message: expect.stringContaining('buckets') });
    expect(bad.body.error.issues[0]).toMatchObject({ field: 'metric' });
  });
});
