import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { DeviceMetric, TelemetryBatch } from '../../../core/messages/telemetry.js';
import { accrue } from '../../../core/telemetry-history/accrual.js';
import type { SiteSeriesRecord } from '../../../core/telemetry-history/records.js';
import { PlatformObserver, plannedKw } from '../../../sim/platform/observer.js';
import { sitePower } from '../../../sim/platform/site-power.js';
import { type TelemetryAppender, TelemetryRecorder } from '../../../sim/platform/telemetry-recorder.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const west = referenceFleet.sites[0]!;
const START_MS = Date.parse('2025-01-13T06:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
/** 4 virtual S21 stand for the group's 4000 units, 2 S19 XP for 3000, 1 HGX node (8 GPUs) for the 256 H100s. */
const UNITS = new Map([
  ['west-s21-a', 1000],
  ['west-s19xp-a', 1500],
  ['west-h100-a', 32],
]);

function metric(
  deviceId: string,
  groupId: string,
  state: DeviceMetric['state'],
  powerW: number,
  extra: Partial<DeviceMetric> = {},
): DeviceMetric {
  return {
    deviceId,
    groupId,
    kind: groupId.includes('h100') ? 'gpu' : 'asic',
    at: iso(START_MS),
    state,
    powerW,
    ...extra,
  };
}

function batch(atMs: number, s19State: 'hashing' | 'sleeping', seq = 1): TelemetryBatch {
  const s19 = (id: string) =>
    s19State === 'hashing'
      ? metric(id, 'west-s19xp-a', 'hashing', 3010, { hashrateThs: 140 })
      : metric(id, 'west-s19xp-a', 'sleeping', 10, { hashrateThs: 0 });
  return {
    siteId: west.id,
    gatewayId: 'gw-site-west-1',
    batchSeq: seq,
    sentAt: iso(atMs),
    sitePowerKw: 0,
    droppedBatches: 0,
    metrics: [
      ...['a', 'b', 'c', 'd'].map((x) => metric(`s21-${x}`, 'west-s21-a', 'hashing', 3500, { hashrateThs: 200 })),
      s19('s19-a'),
      s19('s19-b'),
      metric('gpu-1', 'west-h100-a', 'serving', 8 * 700, { utilizationPct: 50, gpuCount: 8 }),
    ],
  };
}

function harness<R>(history?: (rows: R[]) => TelemetryAppender, rows: R[] = []) {
  let simMs = START_MS;
  let realMs = 0;
  const observer = new PlatformObserver({
    sites: [west],
    unitsPerDevice: UNITS,
    simNowMs: () => simMs,
    realNowMs: () => realMs,
    simMsToRealMs: (ms) => ms / 60,
    telemetryStaleRealMs: 10_000,
    ...(history ? { history: new TelemetryRecorder(history(rows), UNITS) } : {}),
  });
  const send = (topic: string, body: unknown) => observer.handleMessage(topic, JSON.stringify(body));
  const price = (priceUsdPerMwh: number) =>
    send('hcp/v1/market/HB_WEST/signals', { kind: 'price', at: iso(simMs), node: 'HB_WEST', priceUsdPerMwh });
  const market = () =>
    observer.record({
      type: 'market',
      atMs: simMs,
      snapshot: marketSnapshotAt(simMs, { HB_WEST: 40 }),
    });
  return {
    observer,
    send,
    price,
    market,
    advance(simDeltaMs: number, realDeltaMs = simDeltaMs / 60) {
      simMs += simDeltaMs;
      realMs += realDeltaMs;
    },
    now: () => simMs,
  };
}

describe('site power from telemetry', () => {
  it('scales virtual devices up to the site model and counts sleeping miners as curtailed load', () => {
    // Act
    const power = sitePower(west, batch(START_MS, 'sleeping'), UNITS);
    // Assess: 4 × 3500 W × 1000 units × PUE 1.05; S19 XP full draw 3010 W less 10 W asleep, × 2 × 1500.
    expect(power.asicKw).toBeCloseTo((4 * 3500 * 1000 + 2 * 10 * 1500) * 1.05e-3, 6);
    expect(power.curtailedKw).toBeCloseTo(2 * 3000 * 1500 * 1.05e-3, 6);
    expect(power.gpuKw).toBeCloseTo(5600 * 32 * 1.05e-3, 6);
    // One 8-GPU node standing for 32 nodes at 50%: 128 busy GPUs (16 before gpuCount: nodes were counted as GPUs).
    expect(power.busyGpus).toBe(128);
    expect(power.hashrateThs).toBe(800_000);
    expect(power.devicesByState).toEqual({ hashing: 4, sleeping: 2, serving: 1 });
  });

  it('accrues mining at hashprice, inference at the GPU spot rate and energy at the price', () => {
    const power = sitePower(west, batch(START_MS, 'hashing'), UNITS);
    const money = accrue(power, 0.5, { priceUsdPerMwh: 40, hashpriceUsdPerThDay: 0.05, gpuSpotUsdPerGpuHour: 2 });
    expect(money.miningUsd).toBeCloseTo(power.hashrateThs * 0.05 * (0.5 / 24), 6);
    expect(money.inferenceUsd).toBeCloseTo(128 * 2 * 0.5, 6);
    expect(money.energyCostUsd).toBeCloseTo(((power.asicKw + power.gpuKw) / 1000) * 0.5 * 40, 6);
  });
});

describe('PlatformObserver', () => {
  it('keeps a site series of power, cap, price and accumulated money from telemetry between signals', () => {
    // Prepare
    const h = harness();
    h.market();
    h.price(40);
    // Act
    h.send('hcp/v1/sites/site-west-1/telemetry', batch(h.now(), 'hashing', 1));
    h.advance(60_000);
    h.send('hcp/v1/sites/site-west-1/telemetry', batch(h.now(), 'hashing', 2));
    // Assess
    const site = h.observer.snapshot().sites[0]!;
    expect(site.series.t).toEqual([START_MS, START_MS + 60_000]);
    expect(site.series.capKw).toEqual([24_000, 24_000]);
    expect(site.series.priceUsdPerMwh).toEqual([40, 40]);
    expect(site.series.miningUsd[0]).toBe(0);
    // One simulated minute at 4 × 200 × 1000 + 2 × 140 × 1500 = 1,220,000 TH/s and 0.05 $/TH/s/day.
    expect(site.money.miningUsd).toBeCloseTo(1_220_000 * 0.05 * (1 / 60 / 24), 6);
    expect(site.money.energyCostUsd).toBeGreaterThan(0);
    expect(h.observer.snapshot().fleet.series.asicKw).toEqual(site.series.asicKw);
  });

  it('counts a stretch once when a repeated batch arrives after a newer one: a late repeat never moves the clock back', () => {
    // Prepare: the observer hands its rows to the telemetry recorder, as npm start does.
    const rows: SiteSeriesRecord[] = [];
    const h = harness(
      (history) => ({
        append: (table, records) => {
          if (table === 'siteSeries') history.push(...(records as readonly SiteSeriesRecord[]));
        },
      }),
      rows,
    );
    h.market();
    h.price(40);
    const first = batch(h.now(), 'hashing', 1);

    // Act: batch 1, batch 2 a minute later, batch 1 again (its ack was late), batch 3 a minute after batch 2.
    h.send('hcp/v1/sites/site-west-1/telemetry', first);
    h.advance(60_000);
    h.send('hcp/v1/sites/site-west-1/telemetry', batch(h.now(), 'sleeping', 2));
    h.send('hcp/v1/sites/site-west-1/telemetry', first);
    h.advance(60_000);
    h.send('hcp/v1/sites/site-west-1/telemetry', batch(h.now(), 'sleeping', 3));

    // Assess: one minute at batch 1's 1,220,000 TH/s, one at batch 2's 800,000 TH/s (the S19s asleep), not two
    // minutes at batch 1's from the repeat's time.
    const minuteUsd = (ths: number) => ths * 0.05 * (1 / 60 / 24);
    const site = h.observer.snapshot().sites[0]!;
    expect(site.money.miningUsd).toBeCloseTo(minuteUsd(1_220_000) + minuteUsd(800_000), 6);
    // The store's rows add up to the same, the repeat carries nothing and its own readings; the chart stays in order.
    expect(rows.map((r) => r.batch_seq)).toEqual([1, 2, 1, 3]);
    expect(rows.reduce((sum, r) => sum + (r.mining_usd ?? 0), 0)).toBeCloseTo(site.money.miningUsd, 6);
    expect(rows[2]).toMatchObject({ accrued_hours: 0, mining_usd: 0, hashrate_ths: 1_220_000 });
    expect(site.series.t).toEqual([START_MS, START_MS + 60_000, START_MS + 120_000]);
  });

  it('follows the registry: a site registered later gets a view and its telemetry, a changed one its model, a retired one leaves', () => {
    // Prepare: a site added through the API after the observer started, at another node.
    const h = harness();
    const east = { ...west, id: 'site-east-1', name: 'Sweetwater East', marketNode: 'LZ_WEST' };
    h.send('hcp/v1/sites/site-east-1/telemetry', { ...batch(h.now(), 'hashing'), siteId: 'site-east-1' });
    const before = h.observer.snapshot().sites.map((s) => s.id);

    // Act
    h.observer.syncSites([west, east]);
    h.send('hcp/v1/sites/site-east-1/telemetry', { ...batch(h.now(), 'hashing'), siteId: 'site-east-1' });
    const added = h.observer.snapshot().sites.find((s) => s.id === 'site-east-1');
    h.observer.syncSites([{ ...west, name: 'Pecos West II' }]);

    // Assess
    expect(before).toEqual(['site-west-1']);
    expect(added?.marketNode).toBe('LZ_WEST');
    expect(added?.power).not.toBeNull();
    expect(h.observer.snapshot().sites.map((s) => [s.id, s.name])).toEqual([['site-west-1', 'Pecos West II']]);
  });

  it('shows the plan in force against the actual power, and the ladder it brought', () => {
    const h = harness();
    const interval = (offsetMin: number, sitePowerKw: number) => ({
      startsAt: iso(START_MS + offsetMin * 60_000),
      asicGroups: [],
      gpuPools: [],
      sitePowerKw,
    });
    const plan = {
      version: 3,
      createdAt: iso(START_MS),
      horizonStart: iso(START_MS),
      intervalMinutes: 15,
      sites: [
        {
          siteId: 'site-west-1',
          intervals: [interval(0, 20_000), interval(15, 12_000)],
          ladder: [{ groupId: 'west-s19xp-a', kind: 'asic', stopAbovePriceUsdPerMwh: 100, sheddableKw: 9000 }],
        },
      ],
      solver: { mode: 'lp', status: 'optimal', objectiveUsd: 1, solveMs: 5 },
    };
    h.send('hcp/v1/sites/site-west-1/commands', {
      commandId: '6f1c1f34-8d0e-4c55-9b8a-0a5b0b2c9a11',
      siteId: 'site-west-1',
      seq: 1,
      epoch: 1,
      issuedAt: iso(START_MS),
      validUntil: iso(START_MS + 90_000),
      kind: 'apply-plan',
      payload: { plan },
    });
    h.advance(20 * 60_000);
    const site = h.observer.snapshot().sites[0]!;
    expect(h.observer.snapshot().rejectedMessages).toBe(0);
    expect(site.planVersion).toBe(3);
    expect(site.plannedKw).toBe(12_000);
    expect(site.ladder).toHaveLength(1);
  });

  it('records a local reaction with the time since the signal, and gateway acks in real milliseconds', () => {
    const h = harness();
    h.price(150);
    h.advance(0, 12);
    h.observer.record({
      type: 'switch',
      atMs: h.now(),
      siteId: 'site-west-1',
      source: 'local',
      cause: 'grid:price',
      outcome: 'executed',
    });
    h.send('hcp/v1/sites/site-west-1/acks', {
      commandId: '6f1c1f34-8d0e-4c55-9b8a-0a5b0b2c9a11',
      siteId: 'site-west-1',
      seq: 4,
      epoch: 1,
      status: 'rejected',
      reason: 'device-failure',
      timings: { receivedAt: iso(START_MS) },
    });
    const { switches, alerts } = h.observer.snapshot();
    expect(switches[1]).toMatchObject({ source: 'local', cause: 'grid:price', latencyMs: 12 });
    expect(switches[0]).toMatchObject({ source: 'gateway-ack', outcome: 'rejected' });
    expect(alerts).toContainEqual(expect.objectContaining({ kind: 'failed-switch', siteId: 'site-west-1' }));
  });

  it('raises missing telemetry, drifted devices and fallback mode, and counts malformed messages', () => {
    const h = harness();
    h.advance(0, 11_000);
    h.send('hcp/v1/sites/site-west-1/heartbeat', {
      mode: 'curtail-asics',
      heldGroups: ['west-s19xp-a'],
      fallbackReason: 'cloud silent',
      drifted: 2,
    });
    h.observer.handleMessage('hcp/v1/sites/site-west-1/telemetry', 'not json');
    h.send('hcp/v1/sites/site-west-1/telemetry', { siteId: 'site-west-1' });
    const snapshot = h.observer.snapshot();
    expect(snapshot.alerts.map((a) => a.kind).sort()).toEqual([
      'drifted-devices',
      'fallback-mode',
      'missing-telemetry',
    ]);
    expect(snapshot.sites[0]!.heldGroups).toEqual(['west-s19xp-a']);
    expect(snapshot.rejectedMessages).toBe(2);
    // No GPU work attached: the dashboard shows no workload figures rather than zeros.
    expect(snapshot.workloads).toBeNull();
    const figures = {
      queueDepth: 3,
      running: 2,
      completed: 5,
      failed: 1,
      preemptions: 4,
      webhookDeliveries: 6,
      models: [],
      deployments: [
        {
          siteId: 'site-west-1',
          poolId: 'west-h100-a',
          modelId: 'meta-llama/Llama-3.1-8B-Instruct',
          version: '0e9e39f',
          replicas: [{ version: '0e9e39f', loading: 0, warming: 1, ready: 1, draining: 0 }],
          warmups: 2,
          warmupEnergyKwh: 0.05,
          warmupCostUsd: 0.002,
          reportedAt: '2026-12-07T10:00:00.000Z',
        },
      ],
      partner: { sent: 2, completed: 1, failed: 1, shareOfCompleted: 0.2 },
    };
    h.observer.setWorkloadFigures(() => figures);
    expect(h.observer.snapshot().workloads).toEqual(figures);
  });

  it('keeps bounded series', () => {
    const h = harness();
    const small = new PlatformObserver({
      sites: [west],
      unitsPerDevice: UNITS,
      simNowMs: h.now,
      simMsToRealMs: (ms) => ms,
      telemetryStaleRealMs: 1,
      maxPoints: 3,
    });
    for (let i = 0; i < 5; i++) {
      small.handleMessage(
        'hcp/v1/sites/site-west-1/telemetry',
        JSON.stringify(batch(START_MS + i * 1000, 'hashing', i)),
      );
    }
    expect(small.snapshot().sites[0]!.series.t).toEqual([START_MS + 2000, START_MS + 3000, START_MS + 4000]);
  });

  it('reads the plan in force at an instant', () => {
    const intervals = [
      { startsAt: iso(START_MS), asicGroups: [], gpuPools: [], sitePowerKw: 5 },
      { startsAt: iso(START_MS + 900_000), asicGroups: [], gpuPools: [], sitePowerKw: 7 },
    ];
    expect(plannedKw(intervals, START_MS - 1)).toBeNull();
    expect(plannedKw(intervals, START_MS + 899_999)).toBe(5);
    expect(plannedKw(intervals, START_MS + 900_000)).toBe(7);
  });
});
