import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { DeviceMetric, TelemetryBatch } from '../../../core/messages/telemetry.js';
import { nodePriceUsdPerMwh } from '../../../core/telemetry-history/accrual.js';
import type { SiteSeriesRecord } from '../../../core/telemetry-history/records.js';
import { DynamoHeldPowerStore } from '../../../functions/telemetry/adapters/dynamo-held-power.js';
import { ingestTelemetryBatch, type TelemetryIngestDeps } from '../../../functions/telemetry/ingest.js';
import { fleetKpis } from '../../../functions/telemetry-history/history.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import { PlatformObserver } from '../../../sim/platform/observer.js';
import { TelemetryRecorder } from '../../../sim/platform/telemetry-recorder.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const west = referenceFleet.sites[0]!;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const market = marketSnapshotAt(T0, { [west.marketNode]: 45 });

/** Minute `k`'s batch of a gateway: 4 S21s (one asleep on odd minutes), an HGX node serving at a varying load. */
function batch(gatewayId: string, k: number): TelemetryBatch {
  const at = iso(T0 + k * MINUTE);
  const asic = (id: string, asleep: boolean): DeviceMetric => ({
    deviceId: id,
    groupId: 'west-s21-a',
    kind: 'asic',
    at,
    state: asleep ? 'sleeping' : 'hashing',
    powerW: asleep ? 10 : 3500,
    hashrateThs: asleep ? 0 : 200,
  });
  return {
    siteId: west.id,
    gatewayId,
    batchSeq: k + 1,
    sentAt: at,
    sitePowerKw: 20,
    droppedBatches: 0,
    metrics: [
      ...['a', 'b', 'c'].map((x) => asic(`s21-${x}`, false)),
      asic('s21-d', k % 2 === 1),
      {
        deviceId: 'gpu-1',
        groupId: 'west-h100-a',
        kind: 'gpu',
        at,
        state: 'serving',
        powerW: 5600,
        utilizationPct: 40 + 2 * k,
        gpuCount: 8,
      },
    ],
  };
}

/** The local platform's rows: the observer (price from the node's signal) through the telemetry recorder. */
function localRows(batches: readonly TelemetryBatch[]): SiteSeriesRecord[] {
  const rows: SiteSeriesRecord[] = [];
  const observer = new PlatformObserver({
    sites: [west],
    unitsPerDevice: new Map(),
    simNowMs: () => T0,
    simMsToRealMs: (ms) => ms,
    telemetryStaleRealMs: 60_000,
    history: new TelemetryRecorder(
      {
        append: (table, records) => {
          if (table === 'siteSeries') rows.push(...(records as readonly SiteSeriesRecord[]));
        },
      },
      new Map(),
    ),
  });
  observer.record({ type: 'market', atMs: T0, snapshot: market });
  const priceUsdPerMwh = nodePriceUsdPerMwh(market, west.marketNode);
  const signal = { kind: 'price', at: iso(T0), node: west.marketNode, priceUsdPerMwh };
  observer.handleMessage(`hcp/v1/market/${west.marketNode}/signals`, JSON.stringify(signal));
  for (const b of batches) observer.handleMessage(`hcp/v1/sites/${west.id}/telemetry`, JSON.stringify(b));
  return rows;
}

describe('the AWS site rows carry the local store’s price and money (held power in DynamoDB Local)', () => {
  let table: LocalTable;
  let root: string;
  beforeAll(async () => {
    table = await startLocalTable('hcp-telemetry-held');
    root = mkdtempSync(path.join(tmpdir(), 'hcp-aws-rows-'));
  });
  afterAll(async () => {
    await table.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** The cloud consumer's deps: its rows captured, each site's held power in the table. */
  function consumer(rows: SiteSeriesRecord[]): TelemetryIngestDeps {
    return {
      devices: { putLatest: async () => {} },
      series: { write: async () => ({ rejected: 0 }) },
      metrics: { siteSummary: () => {}, unknownSite: () => {}, batchRejected: () => {}, samplesRejected: () => {} },
      latestMarket: async () => market,
      siteModel: (siteId) => referenceFleet.sites.find((s) => s.id === siteId),
      siteSeries: {
        rows: { write: async (row) => void rows.push(row) },
        held: new DynamoHeldPowerStore({ client: table.client, tableName: table.tableName }),
      },
    };
  }

  it('writes the same rows as the local platform, a late repeat included, and the same KPIs on DuckDB', async () => {
    // Prepare: ten minutes of one gateway, batch 3 re-sent after batch 5 (its ack was late).
    const batches = Array.from({ length: 10 }, (_, k) => batch('gw-in-order', k));
    const arrivals = [...batches.slice(0, 5), batches[2]!, ...batches.slice(5)];
    const cloud: SiteSeriesRecord[] = [];
    const deps = consumer(cloud);

    // Act
    for (const b of arrivals) await ingestTelemetryBatch(b, deps);
    const local = localRows(arrivals);

    // Assess: row for row, every column, money included; nine one-minute stretches, the repeat adding none.
    expect(cloud).toHaveLength(11);
    for (const [i, row] of cloud.entries()) {
      const { mining_usd, inference_usd, energy_cost_usd, ...rest } = local[i]!;
      expect(row).toMatchObject(rest);
      expect(row.mining_usd).toBeCloseTo(mining_usd ?? Number.NaN, 9);
      expect(row.inference_usd).toBeCloseTo(inference_usd ?? Number.NaN, 9);
      expect(row.energy_cost_usd).toBeCloseTo(energy_cost_usd ?? Number.NaN, 9);
    }
    expect(cloud[5]).toMatchObject({ batch_seq: 3, accrued_hours: 0, mining_usd: 0 });
    expect(cloud.every((r) => r.price_usd_per_mwh === 45)).toBe(true);
    expect(cloud.reduce((h, r) => h + (r.accrued_hours ?? 0), 0)).toBeCloseTo(9 / 60, 12);

    // Assess: the KPIs built on price and money read the same, and not null, from either set of rows.
    const kpisOf = async (scenario: string, rows: readonly SiteSeriesRecord[]) => {
      const store = await ParquetTelemetryStore.open(path.join(root, scenario));
      store.append(
        'siteSeries',
        rows.map((r) => ({ ...r, scenario })),
      );
      await store.flush();
      const kpis = await fleetKpis(store, { from: iso(T0), to: iso(T0 + 10 * MINUTE), step: 600, scenario });
      await store.close();
      return kpis.window;
    };
    const [aws, onMachine] = [await kpisOf('aws', cloud), await kpisOf('local', local)];
    expect(aws.revenueUsdPerGpuMonth).not.toBeNull();
    expect(aws.energyCostUsdPerThDay).not.toBeNull();
    expect(aws.revenueUsdPerGpuMonth).toBeCloseTo(onMachine.revenueUsdPerGpuMonth ?? Number.NaN, 9);
    expect(aws.energyCostUsdPerThDay).toBeCloseTo(onMachine.energyCostUsdPerThDay ?? Number.NaN, 9);
  });

  it('never counts a stretch twice when consumers take one site’s batches at once and out of order', async () => {
    // Prepare: 20 minutes of another gateway, each batch delivered twice, in a scrambled order, 5 consumers at once.
    const batches = Array.from({ length: 20 }, (_, k) => batch('gw-racing', k));
    const deliveries = [...batches, ...batches].sort((a, b) => ((a.batchSeq * 7919) % 23) - ((b.batchSeq * 7919) % 23));
    const cloud: SiteSeriesRecord[] = [];
    const deps = consumer(cloud);
    // A fresh site clock: the first test held this site's power.
    await table.client.send(
      new DeleteCommand({ TableName: table.tableName, Key: { pk: `SITE#${west.id}`, sk: 'TELEMETRY_HELD' } }),
    );

    // Act
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (c) => {
        for (const b of deliveries.filter((_, i) => i % 5 === c)) await ingestTelemetryBatch(b, deps);
      }),
    );

    // Assess: the accrued stretches never overlap, so together they cover at most the 19 minutes.
    const accrued = cloud.filter((r) => (r.accrued_hours ?? 0) > 0);
    const stretches = accrued
      .map((r) => [r.at_ms - (r.accrued_hours ?? 0) * 3_600_000, r.at_ms] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < stretches.length; i++)
      expect(stretches[i]![0]).toBeGreaterThanOrEqual(stretches[i - 1]![1] - 1e-6);
    expect(stretches.reduce((h, [from, to]) => h + (to - from), 0)).toBeLessThanOrEqual(19 * MINUTE + 1e-6);
    expect(cloud).toHaveLength(40);
  });

  it('puts the held power back when a row cannot be stored, so the redelivered batch accrues its stretch', async () => {
    // Prepare: a site of its own; its second row fails once (Firehose refusing it), as the queue then redelivers.
    const south = referenceFleet.sites[1]!;
    const onSouth = (k: number) => ({ ...batch('gw-south', k), siteId: south.id, metrics: [] });
    const cloud: SiteSeriesRecord[] = [];
    const deps = consumer(cloud);
    let refusals = 1;
    const flaky: TelemetryIngestDeps = {
      ...deps,
      latestMarket: async () => marketSnapshotAt(T0, { [south.marketNode]: 30 }),
      siteSeries: {
        ...deps.siteSeries!,
        rows: {
          write: async (row) => {
            if (row.batch_seq === 2 && refusals-- > 0) throw new Error('Firehose refused the row');
            cloud.push(row);
          },
        },
      },
    };
    await ingestTelemetryBatch(onSouth(0), flaky);

    // Act
    await expect(ingestTelemetryBatch(onSouth(1), flaky)).rejects.toThrow('Firehose refused the row');
    await ingestTelemetryBatch(onSouth(1), flaky);

    // Assess: the redelivery carries the minute; a repeat after it carries none.
    await ingestTelemetryBatch(onSouth(1), flaky);
    expect(cloud.map((r) => [r.batch_seq, r.accrued_hours])).toEqual([
      [1, 0],
      [2, 1 / 60],
      [2, 0],
    ]);
  });
});
