import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mergedSiteTelemetry, siteTelemetry } from '../../../functions/telemetry-history/history.js';
import { ParquetTelemetryStore } from '../../../sim/local/telemetry-store.js';
import { HOUR, MINUTE, siteRow, T0 } from '../../support/telemetry-history.js';

/**
 * Two regions' telemetry stores (two DuckDB Parquet stores, as each region's Iceberg tables) holding one site's hour
 * split at a failover 30 minutes in, the batches of minutes 29 and 30 in both (re-sent after the move); a third
 * store holds the hour once. The merged query over the two must answer what the one store answers.
 */
const rowAt = (m: number) =>
  siteRow('site-a', T0 + m * MINUTE, {
    asic_kw: 900 - m,
    gpu_kw: 100 + m,
    hashrate_ths: 20_000 - 10 * m,
    mining_usd: 1 + m / 100,
    energy_cost_usd: 0.5,
  });
const minutes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => rowAt(from + i));

describe('the site history merged across two regions’ stores', () => {
  const roots: string[] = [];
  let primary: ParquetTelemetryStore;
  let standby: ParquetTelemetryStore;
  let whole: ParquetTelemetryStore;

  beforeAll(async () => {
    const open = async (rows: ReturnType<typeof rowAt>[]) => {
      const root = mkdtempSync(path.join(tmpdir(), 'hcp-region-'));
      roots.push(root);
      const store = await ParquetTelemetryStore.open(root);
      store.append('siteSeries', rows);
      await store.flush();
      return store;
    };
    [primary, standby, whole] = await Promise.all([open(minutes(0, 31)), open(minutes(29, 60)), open(minutes(0, 60))]);
  });

  afterAll(async () => {
    await Promise.all([primary, standby, whole].map((s) => s?.close()));
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it.each(['power', 'hashrate', 'money'] as const)(
    'answers the %s series as one store holding the hour once',
    async (metric) => {
      // Prepare
      const q = {
        metric,
        from: new Date(T0).toISOString(),
        to: new Date(T0 + HOUR).toISOString(),
        step: 600,
        scenario: 'live',
      };

      // Act
      const merged = await mergedSiteTelemetry([primary, standby], 'site-a', q);
      const once = await siteTelemetry(whole, 'site-a', q);
      const primaryOnly = await siteTelemetry(primary, 'site-a', q);

      // Assess
      expect(merged.points).toHaveLength(6);
      expect(merged.points.map((p) => p.samples)).toEqual([10, 10, 10, 10, 10, 10]);
      for (const [i, point] of merged.points.entries()) {
        for (const [field, value] of Object.entries(once.points[i]!)) {
          if (typeof value === 'number')
            expect({ field, v: point[field] }).toEqual({ field, v: expect.closeTo(value, 9) });
          else expect(point[field]).toEqual(value);
        }
      }
      // One region alone misses the half hour after the failover.
      expect(primaryOnly.points).toHaveLength(4);
    },
  );
});
