import { ACCRUED_COLUMNS, BATCH_KEY, SITE_AGGREGATES, type SiteMetric } from './queries.js';

/**
 * The site history of a multi-region deployment: telemetry stays in the region a gateway is connected to (each
 * region's own Iceberg tables), so a site's history is split at a failover, and a batch in flight when the gateway
 * moved may be in both (it re-sends a batch whose ack did not come). The merged query reads each region's batches
 * (queries.ts `siteBatchesSql`) and merges them here:
 * - one batch once: copies in several regions share their batch key (BATCH_KEY) and payload; the readings are the
 *   first copy's, the accrued hours and money the largest copy's (each region accrues a batch on its first arrival
 *   there, so each copy carries the whole accrual, or 0 for a repeat);
 * - then per bucket as the one-region SQL does (SITE_AGGREGATES): the mean or the sum over the bucket's batches,
 *   `samples` the number of distinct batches.
 * Pure: rows in, rows out, in the engines' row shape (numbers, bigints or numeric strings).
 */

export type BatchRow = Readonly<Record<string, unknown>>;

const numberOf = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

const batchKeyOf = (row: BatchRow) => BATCH_KEY.map((column) => String(row[column])).join('|');

/** Each distinct batch once, from every region's batches, in time order. */
export function mergeRegionBatches(regions: ReadonlyArray<readonly BatchRow[]>): BatchRow[] {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const rows of regions) {
    for (const row of rows) {
      const key = batchKeyOf(row);
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, { ...row });
        continue;
      }
      for (const column of ACCRUED_COLUMNS) {
        const [a, b] = [numberOf(seen[column]), numberOf(row[column])];
        if (b !== null && (a === null || b > a)) seen[column] = b;
      }
    }
  }
  return [...byKey.values()].sort((a, b) => (numberOf(a.at_ms) ?? 0) - (numberOf(b.at_ms) ?? 0));
}

/** The site series of `metric` from merged batches: one row per bucket with data, as `siteSeriesSql` answers. */
export function seriesOfBatches(batches: readonly BatchRow[], metric: Exclude<SiteMetric, 'group-states'>) {
  const buckets = new Map<number, BatchRow[]>();
  for (const batch of batches) {
    const bucketMs = numberOf(batch.bucket_ms);
    if (bucketMs === null) throw new RangeError('a merged batch has no bucket_ms');
    buckets.set(bucketMs, [...(buckets.get(bucketMs) ?? []), batch]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucketMs, rows]) => {
      const row: Record<string, number | null> = { bucket_ms: bucketMs, samples: rows.length };
      for (const { name, agg, of } of SITE_AGGREGATES[metric]) {
        // SQL's aggregates skip NULL: a batch missing any term of the sum is left out.
        const values = rows.flatMap((r) => {
          const terms = of.map((column) => numberOf(r[column]));
          return terms.every((t) => t !== null) ? [terms.reduce((a, t) => a + t!, 0)] : [];
        });
        const total = values.reduce((a, v) => a + v, 0);
        row[name] = values.length === 0 ? null : agg === 'SUM' ? total : total / values.length;
      }
      return row;
    });
}
