import { RejectedRecordsException } from '@aws-sdk/client-timestream-write';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { DeviceMetric, TelemetryBatch } from '../../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import {
  latestPerDevice,
  type RevenueUsdPerHour,
  revenuePricesOf,
  revenueUsdPerHour,
  type SiteTelemetrySummary,
  summarizeSiteTelemetry,
} from '../../../core/telemetry/site-summary.js';
import type { HeldPower } from '../../../core/telemetry-history/accrual.js';
import type { SiteSeriesRecord } from '../../../core/telemetry-history/records.js';
import { TimestreamDeviceSeries, toRecord } from '../../../functions/telemetry/adapters/timestream-device-series.js';
import { ingestTelemetryBatch } from '../../../functions/telemetry/ingest.js';

const metric = (deviceId: string, overrides: Partial<DeviceMetric> = {}): DeviceMetric => ({
  deviceId,
  groupId: 'west-s21-a',
  kind: 'asic',
  at: '2026-11-28T12:00:00Z',
  state: 'hashing',
  powerW: 3500,
  hashrateThs: 200,
  ...overrides,
});

const batch = (metrics: DeviceMetric[]): TelemetryBatch => ({
  siteId: 'site-west-1',
  gatewayId: 'gw-1',
  batchSeq: 41,
  sentAt: '2026-11-28T12:00:05Z',
  sitePowerKw: 9.2,
  metrics,
  droppedBatches: 0,
});

const west = referenceFleet.sites[0]!;
const market = { hashprice: { hashpriceUsdPerThDay: 0.048 }, gpuSpotUsdPerGpuHour: 2.4 } as MarketSnapshot;

describe('telemetry batch summary', () => {
  it('keeps the newest sample of each device', () => {
    // Act
    const latest = latestPerDevice([
      metric('a1', { at: '2026-11-28T12:00:00Z', state: 'hashing' }),
      metric('a1', { at: '2026-11-28T12:00:03Z', state: 'sleeping' }),
      metric('a2'),
    ]);

    // Assess
    expect(latest.map((m) => [m.deviceId, m.state])).toEqual([
      ['a1', 'sleeping'],
      ['a2', 'hashing'],
    ]);
  });

  it('splits power between ASICs and GPUs, counts curtailed devices and prices the revenue', () => {
    // Prepare
    const metrics = [
      metric('a1'),
      metric('a2', { state: 'sleeping', powerW: 20, hashrateThs: 0 }),
      metric('g1', { kind: 'gpu', groupId: 'west-h100-a', state: 'serving', powerW: 700, hashrateThs: undefined }),
      metric('g2', { kind: 'gpu', groupId: 'west-h100-a', state: 'idle', powerW: 90, hashrateThs: undefined }),
    ];

    // Act
    const summary = summarizeSiteTelemetry(batch(metrics), west);
    const revenue = revenueUsdPerHour(summary, revenuePricesOf(market));

    // Assess: the sleeping ASIC is curtailed; the idle GPU is not (it was counted before core's one definition:
    // an idle node may only be waiting for work, which is no load taken off the grid).
    expect(summary).toMatchObject({
      siteId: 'site-west-1',
      asicPowerKw: 3.52,
      gpuPowerKw: 0.79,
      curtailedDevices: 1,
      servingGpus: 1,
      hashrateThs: 200,
    });
    expect(revenue.miningUsdPerHour).toBeCloseTo((200 * 0.048) / 24, 10);
    expect(revenue.inferenceUsdPerHour).toBe(2.4);
  });
});

describe('telemetry ingestion', () => {
  function recording() {
    const written: Array<{ siteId: string; count: number }> = [];
    const latest: Array<{ siteId: string; ids: string[] }> = [];
    const summaries: Array<{ summary: SiteTelemetrySummary; revenue: RevenueUsdPerHour | undefined }> = [];
    const unknownSites: string[] = [];
    let rejected = 0;
    const tooOld: number[] = [];
    return {
      tooOld,
      written,
      latest,
      summaries,
      unknownSites,
      rejectedCount: () => rejected,
      deps: {
        series: {
          write: async (siteId: string, m: readonly DeviceMetric[]) => {
            written.push({ siteId, count: m.length });
            return { rejected: m.filter((x) => x.at < '2026-01-01').length };
          },
        },
        devices: {
          putLatest: async (siteId: string, _gw: string, d: readonly DeviceMetric[]) =>
            void latest.push({ siteId, ids: d.map((x) => x.deviceId) }),
        },
        metrics: {
          siteSummary: (summary: SiteTelemetrySummary, revenue: RevenueUsdPerHour | undefined) =>
            void summaries.push({ summary, revenue }),
          unknownSite: (siteId: string) => void unknownSites.push(siteId),
          batchRejected: () => void rejected++,
          samplesRejected: (n: number) => void tooOld.push(n),
        },
        latestMarket: async () => market,
        siteModel: (siteId: string) => referenceFleet.sites.find((s) => s.id === siteId),
      },
    };
  }

  it('writes every sample, the latest state per device and the site summary', async () => {
    // Prepare
    const r = recording();
    const samples = [metric('a1'), metric('a1', { at: '2026-11-28T12:00:02Z' }), metric('a2')];

    // Act
    const result = await ingestTelemetryBatch(batch(samples), r.deps);

    // Assess
    expect(result).toEqual({ accepted: true, devices: 2 });
    expect(r.written).toEqual([{ siteId: 'site-west-1', count: 3 }]);
    expect(r.latest).toEqual([{ siteId: 'site-west-1', ids: ['a1', 'a2'] }]);
    expect(r.summaries).toHaveLength(1);
    expect(r.summaries[0]?.revenue?.miningUsdPerHour).toBeCloseTo((2 * 200 * 0.048) / 24, 10);
  });

  it('writes the batch to the M&V evidence series when it has one', async () => {
    // Prepare
    const r = recording();
    const evidence: Array<{ sentAt: string; sitePowerKw: number; devices: number }> = [];
    const deps = {
      ...r.deps,
      evidenceSeries: {
        writeBatch: async (b: { sentAt: string; sitePowerKw: number; metrics: readonly DeviceMetric[] }) =>
          void evidence.push({ sentAt: b.sentAt, sitePowerKw: b.sitePowerKw, devices: b.metrics.length }),
      },
    };
    const sent = batch([metric('a1'), metric('a2')]);
    // Act
    await ingestTelemetryBatch(sent, deps);
    // Assess
    expect(evidence).toEqual([{ sentAt: sent.sentAt, sitePowerKw: sent.sitePowerKw, devices: 2 }]);
  });

  it('writes the site row of the history from the summary, the node price and the held power, for a site the fleet knows', async () => {
    // Prepare: each site's held power in memory; the market prices the site's node at $30/MWh.
    const r = recording();
    const rows: SiteSeriesRecord[] = [];
    const held = new Map<string, HeldPower>();
    const deps = {
      ...r.deps,
      latestMarket: async () => ({ ...market, prices: [{ node: west.marketNode, realTimeUsdPerMwh: 30 }] }),
      siteSeries: {
        rows: { write: async (row: SiteSeriesRecord) => void rows.push(row) },
        held: {
          hold: async (siteId: string, next: HeldPower) => {
            const before = held.get(siteId);
            if (!before || before.sinceMs < next.sinceMs) held.set(siteId, next);
            return before;
          },
          release: async () => {},
        },
      },
    };
    const later = { ...batch([metric('a1')]), batchSeq: 42, sentAt: '2026-11-28T12:01:05Z' };

    // Act
    await ingestTelemetryBatch(batch([metric('a1')]), deps);
    await ingestTelemetryBatch({ ...batch([metric('a1')]), siteId: 'site-unknown-9' }, deps);
    await ingestTelemetryBatch(later, deps);

    // Assess: the known site's rows, with the summary the metrics got; the second accrues the minute at $30/MWh.
    expect(rows.map((row) => row.batch_seq)).toEqual([41, 42]);
    expect(rows[0]).toMatchObject({ asic_kw: r.summaries[0]?.summary.facilityKw.asicKw, price_usd_per_mwh: 30 });
    expect(rows[0]?.accrued_hours).toBe(0);
    expect(rows[1]?.accrued_hours).toBeCloseTo(1 / 60, 12);
    expect(rows[1]?.mining_usd).toBeCloseTo((200 * 0.048) / 24 / 60, 12);
    expect(rows[1]?.energy_cost_usd).toBeCloseTo(((rows[0]!.asic_kw! / 1000) * 30) / 60, 12);
  });

  it('leaves the revenue out before the first market snapshot', async () => {
    // Prepare
    const r = recording();

    // Act
    await ingestTelemetryBatch(batch([metric('a1')]), { ...r.deps, latestMarket: async () => undefined });

    // Assess
    expect(r.summaries).toHaveLength(1);
    expect(r.summaries[0]?.revenue).toBeUndefined();
  });

  it('stores a batch from a site the fleet has no model of, and counts it instead of summarizing it', async () => {
    // Prepare
    const r = recording();

    // Act
    const result = await ingestTelemetryBatch({ ...batch([metric('a1')]), siteId: 'site-unknown-9' }, r.deps);

    // Assess
    expect(result).toEqual({ accepted: true, devices: 1 });
    expect(r.written).toEqual([{ siteId: 'site-unknown-9', count: 1 }]);
    expect(r.summaries).toEqual([]);
    expect(r.unknownSites).toEqual(['site-unknown-9']);
  });

  it('counts samples the series store refuses for their age instead of failing the batch', async () => {
    // Prepare
    const r = recording();

    // Act
    const result = await ingestTelemetryBatch(
      batch([metric('a1', { at: '2025-06-01T00:00:00Z' }), metric('a2')]),
      r.deps,
    );

    // Assess
    expect(result.accepted).toBe(true);
    expect(r.tooOld).toEqual([1]);
  });

  it('counts and drops a batch that breaks the contract', async () => {
    // Prepare
    const r = recording();

    // Act
    const result = await ingestTelemetryBatch({ ...batch([metric('a1')]), sitePowerKw: -1 }, r.deps);

    // Assess
    expect(result).toEqual({ accepted: false, devices: 0 });
    expect(r.rejectedCount()).toBe(1);
    expect(r.written).toEqual([]);
  });
});

describe('Timestream device records', () => {
  it('maps a sample to one multi-measure record dimensioned by site, device, group and kind', () => {
    // Act
    const record = toRecord('site-west-1', metric('a1', { temperatureC: 61.5 }));

    // Assess
    expect(record.Dimensions?.map((d) => d.Name)).toEqual(['siteId', 'deviceId', 'groupId', 'kind']);
    expect(record.MeasureValueType).toBe('MULTI');
    expect(record.MeasureValues?.map((m) => m.Name)).toEqual(['state', 'powerW', 'hashrateThs', 'temperatureC']);
    expect(record.Time).toBe(String(Date.parse('2026-11-28T12:00:00Z')));
  });

  it('counts the records Timestream rejects and writes the rest in pages of 100', async () => {
    // Prepare
    const calls: number[] = [];
    const client = {
      send: async (command: { input: { Records: unknown[] } }) => {
        calls.push(command.input.Records.length);
        if (calls.length === 2) {
          throw new RejectedRecordsException({
            message: 'records older than the memory store retention',
            $metadata: {},
            RejectedRecords: [
              { RecordIndex: 0, Reason: 'too old' },
              { RecordIndex: 1, Reason: 'too old' },
            ],
          });
        }
        return {};
      },
    };
    const series = new TimestreamDeviceSeries({ client: client as never, databaseName: 'db', tableName: 'tbl' });

    // Act
    const result = await series.write(
      'site-west-1',
      Array.from({ length: 150 }, (_, i) => metric(`a${i}`)),
    );

    // Assess
    expect(calls).toEqual([100, 50]);
    expect(result).toEqual({ rejected: 2 });
  });
});
