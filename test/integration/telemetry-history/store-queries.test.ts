import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dayOf, FLEET_SITE, fleetEventRecord } from '../../../core/telemetry-history/records.js';
import { fleetKpis, siteTelemetry } from '../../../functions/telemetry-history/history.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import { HOUR, MINUTE, seedHour, siteRow, T0 } from '../../support/telemetry-history.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('telemetry history: the Parquet store and the shared queries on DuckDB', () => {
  let root: string;
  let store: ParquetTelemetryStore;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'hcp-history-'));
    store = await ParquetTelemetryStore.open(root);
    seedHour(store);
    await store.flush();
  });

  afterAll(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes Hive-style partitions site=…/day=… of Parquet files', () => {
    // Assess
    expect(readdirSync(path.join(root, 'site_series')).sort()).toEqual(['site=site-a', 'site=site-b']);
    expect(readdirSync(path.join(root, 'site_series', 'site=site-a'))).toEqual(['day=2026-12-01']);
    expect(readdirSync(path.join(root, 'fleet_events')).sort()).toEqual([
      `site=${FLEET_SITE}`,
      'site=site-a',
      'site=site-b',
    ]);
    const files = readdirSync(path.join(root, 'site_series', 'site=site-a', 'day=2026-12-01'));
    expect(files.every((f) => f.endsWith('.parquet'))).toBe(true);
  });

  it('computes the fleet KPIs over the window', async () => {
    // Act
    const kpis = await fleetKpis(store, { from: iso(T0), to: iso(T0 + HOUR), step: 1800, scenario: 'live' });

    // Assess
    const w = kpis.window;
    expect(w.powerUtilisation).toBeCloseTo((1000 + 400) / 2000, 10);
    expect(w.gpuUtilisation).toBeCloseTo(0.75, 10);
    expect(w.fleetJPerTh).toBeCloseTo((1300 * 1000) / 30_000, 10);
    expect(w.energyCostUsdPerThDay).toBeCloseTo(((900 * 40 + 400 * 80) * 24) / 1000 / 30_000, 10);
    // $12/h over 8 installed GPUs, 730 h a month.
    expect(w.revenueUsdPerGpuMonth).toBeCloseTo((12 / 8) * 730, 6);
    expect(w.gatewayUptime).toBeCloseTo(180 / 240, 10);
    expect(w.apiUptime).toBeCloseTo(0.99, 10);
    expect(w.apiP50Ms).toBe(10);
    expect(w.switchP50Ms).toBeCloseTo(50.5, 10);
    expect(w.switchP99Ms).toBeCloseTo(99.01, 10);
    expect(kpis.targets.powerUtilisation).toBe(0.95);
  });

  it('answers one point per step, the second half hour without site-b’s gateway', async () => {
    // Act
    const kpis = await fleetKpis(store, { from: iso(T0), to: iso(T0 + HOUR), step: 1800, scenario: 'live' });

    // Assess
    expect(kpis.points.map((p) => p.at)).toEqual([iso(T0), iso(T0 + HOUR / 2)]);
    expect(kpis.points.map((p) => p.gatewayUptime)).toEqual([1, 0.5]);
  });

  it('answers a site’s series by metric, and its groups’ states in site-model units', async () => {
    // Act
    const power = await siteTelemetry(store, 'site-a', {
      from: iso(T0),
      to: iso(T0 + HOUR),
      step: 900,
      metric: 'power',
      scenario: 'live',
    });
    const states = await siteTelemetry(store, 'site-a', {
      from: iso(T0),
      to: iso(T0 + HOUR),
      step: 1800,
      metric: 'group-states',
      scenario: 'live',
    });

    // Assess
    expect(power.points).toHaveLength(4);
    expect(power.points[0]).toMatchObject({ at: iso(T0), samples: 15, siteKw: 1000, limitKw: 1000, asicKw: 900 });
    expect(states.points).toEqual([
      { at: iso(T0), groupId: 'g1', state: 'hashing', units: 200 },
      { at: iso(T0 + HOUR / 2), groupId: 'g1', state: 'hashing', units: 100 },
      { at: iso(T0 + HOUR / 2), groupId: 'g1', state: 'sleeping', units: 100 },
    ]);
  });

  it('stores a batch 25 hours old in its own day, where a query of that window finds it', async () => {
    // Prepare
    const old = T0 - 25 * HOUR;
    store.append('siteSeries', [siteRow('site-a', old, { asic_kw: 123 })]);

    // Act
    await store.flush();
    const series = await siteTelemetry(store, 'site-a', {
      from: iso(old - HOUR),
      to: iso(old + HOUR),
      step: 3600,
      metric: 'power',
      scenario: 'live',
    });

    // Assess
    expect(existsSync(path.join(root, 'site_series', 'site=site-a', `day=${dayOf(old)}`))).toBe(true);
    expect(series.points.map((p) => p.asicKw)).toEqual([123]);
  });

  it('never reads a half-written file, and deletes it at the next open', async () => {
    // Prepare: what a crash mid-write leaves: a .tmp beside the partition's files.
    const dir = path.join(root, 'site_series', 'site=site-a', 'day=2026-12-01');
    const half = path.join(dir, 'part-crashed.parquet.tmp');
    writeFileSync(half, 'PAR1 half a file');

    // Act
    const kpis = await fleetKpis(store, { from: iso(T0), to: iso(T0 + HOUR), step: 3600, scenario: 'live' });
    const reopened = await ParquetTelemetryStore.open(root);
    await reopened.close();

    // Assess
    expect(kpis.window.powerUtilisation).toBeCloseTo(0.7, 10);
    expect(existsSync(half)).toBe(false);
  });

  it('counts a batch a gateway re-sent once in the means, and its money once', async () => {
    // Prepare: three batches of one site (the second re-sent twice, out of order), in a scenario of their own. The
    // copies carry the observer's accrual at their arrival: 0 for a repeat, as the observer accrues it.
    const at = T0 + 4 * HOUR;
    const scenario = 'resend';
    const batch = (m: number, kw: number, usd: number) =>
      siteRow('site-a', at + m * MINUTE, { scenario, asic_kw: kw, hashrate_ths: kw * 20, energy_cost_usd: usd });
    const repeat = (m: number, kw: number) => ({ ...batch(m, kw, 0), accrued_hours: 0 });
    store.append('siteSeries', [batch(0, 100, 1), batch(1, 400, 2), batch(2, 100, 3), repeat(1, 400), repeat(1, 400)]);
    await store.flush();

    // Act
    const q = { from: iso(at), to: iso(at + HOUR), step: 3600, scenario };
    const power = await siteTelemetry(store, 'site-a', { ...q, metric: 'power' });
    const money = await siteTelemetry(store, 'site-a', { ...q, metric: 'money' });
    const kpis = await fleetKpis(store, q);

    // Assess: three batches, not five; their mean, not the repeat's weight.
    expect(power.points).toEqual([expect.objectContaining({ samples: 3, asicKw: 200 })]);
    expect(money.points).toEqual([expect.objectContaining({ energyCostUsd: 6 })]);
    expect(kpis.window.powerUtilisation).toBeCloseTo(600 / 3000, 10);
  });

  it('counts a gateway’s uptime from its first heartbeat, a silent step as 0, and the window as its steps’ sum', async () => {
    // Prepare: site-d's gateway heard all hour; site-c's first at minute 20 (a late start), silent 40–50 (a gap).
    const at = T0 + 6 * HOUR;
    const scenario = 'uptime';
    const beat = (site: string, ms: number) => ({
      ...fleetEventRecord(site, at + ms, 'heartbeat', 'gateway', null, true),
      scenario,
    });
    for (let ms = 700; ms < HOUR; ms += 30_000) {
      store.append('fleetEvents', [beat('site-d', ms)]);
      const minute = ms / MINUTE;
      if (minute >= 20 && !(minute >= 40 && minute < 50)) store.append('fleetEvents', [beat('site-c', ms)]);
    }
    await store.flush();

    // Act
    const kpis = await fleetKpis(store, { from: iso(at), to: iso(at + HOUR), step: 600, scenario });

    // Assess: per 10 minutes, site-c counts from minute 20 on; 40–50 is its gap (site-d up: 0.5).
    expect(kpis.points.map((p) => p.gatewayUptime)).toEqual([1, 1, 1, 1, 0.5, 1]);
    // Heard 120 + 60 slots of 120 + 80 expected: the steps' weighted mean, not the time before site-c as down.
    expect(kpis.window.gatewayUptime).toBeCloseTo(180 / 200, 10);
  });

  it('reports a step in which no gateway was heard, after one was, as uptime 0', async () => {
    // Prepare: one gateway heard in the first and last ten minutes of an hour only.
    const at = T0 + 8 * HOUR;
    const scenario = 'uptime-gap';
    for (let ms = 0; ms < HOUR; ms += 30_000)
      if (ms < 10 * MINUTE || ms >= 50 * MINUTE)
        store.append('fleetEvents', [
          { ...fleetEventRecord('site-c', at + ms, 'heartbeat', 'gateway', null, true), scenario },
        ]);
    await store.flush();

    // Act
    const kpis = await fleetKpis(store, { from: iso(at), to: iso(at + HOUR), step: 600, scenario });

    // Assess
    expect(kpis.points.map((p) => p.gatewayUptime)).toEqual([1, 0, 0, 0, 0, 1]);
    expect(kpis.window.gatewayUptime).toBeCloseTo(2 / 6, 10);
  });

  it('keeps scenarios apart: a backtest strategy’s rows are not the live ones', async () => {
    // Prepare
    const at = T0 + 2 * HOUR;
    store.append('siteSeries', [siteRow('site-a', at, { scenario: 'ladder', asic_kw: 500 })]);
    await store.flush();

    // Act
    const q = { from: iso(at), to: iso(at + HOUR), step: 3600, metric: 'power' as const };
    const backtest = await siteTelemetry(store, 'site-a', { ...q, scenario: 'ladder' });
    const live = await siteTelemetry(store, 'site-a', { ...q, scenario: 'live' });

    // Assess
    expect(backtest.points.map((p) => p.asicKw)).toEqual([500]);
    expect(live.points).toEqual([]);
  });

  it('answers an empty store with no points instead of failing', async () => {
    // Prepare
    const emptyRoot = mkdtempSync(path.join(tmpdir(), 'hcp-history-empty-'));
    mkdirSync(path.join(emptyRoot, 'site_series'));
    const empty = await ParquetTelemetryStore.open(emptyRoot);

    // Act
    const kpis = await fleetKpis(empty, { from: iso(T0), to: iso(T0 + HOUR), step: 3600, scenario: 'live' });
    await empty.close();
    rmSync(emptyRoot, { recursive: true, force: true });

    // Assess
    expect(kpis.points).toEqual([]);
    expect(kpis.window.powerUtilisation).toBeNull();
  });
});
