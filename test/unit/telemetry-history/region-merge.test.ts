import { mergeRegionBatches, seriesOfBatches } from '../../../core/telemetry-history/region-merge.js';

/** A batch row as a region answers `siteBatchesSql`: the batch key, its bucket and some columns. */
const batch = (seq: number, p: Record<string, unknown> = {}) => ({
  site: 'site-a',
  day: '2026-12-01',
  scenario: 'live',
  gateway_id: 'gw-a',
  batch_seq: seq,
  at_ms: seq * 60_000,
  bucket_ms: Math.floor(seq / 2) * 120_000,
  asic_kw: 900,
  gpu_kw: 100,
  limit_kw: 1000,
  curtailed_kw: 0,
  mining_usd: 1,
  inference_usd: 0,
  energy_cost_usd: 0.5,
  accrued_hours: 1 / 60,
  ...p,
});

describe('merging a site history across regions', () => {
  it('keeps a batch stored in both regions once, with the whole accrual of the copy that carries it', () => {
    // Prepare: batch 2 reached the primary, then was re-sent to the standby after the failover; the primary's copy
    // is a repeat there (accrual 0), the standby's first arrival accrued it. Engines give strings or bigints too.
    const primary = [batch(1), batch(2, { mining_usd: 0, energy_cost_usd: '0' })];
    const standby = [batch(2, { batch_seq: BigInt(2) }), batch(3)];

    // Act
    const merged = mergeRegionBatches([primary, standby]);

    // Assess
    expect(merged.map((b) => b.at_ms)).toEqual([60_000, 120_000, 180_000]);
    expect(merged[1]).toMatchObject({ mining_usd: 1, energy_cost_usd: 0.5 });
  });

  it('aggregates per bucket as the one-region SQL does: means, sums, NULL skipped, samples counted', () => {
    // Prepare
    const batches = [batch(0), batch(1, { asic_kw: 700, gpu_kw: null }), batch(2, { asic_kw: 500 })];

    // Act
    const power = seriesOfBatches(batches, 'power');
    const money = seriesOfBatches(batches, 'money');

    // Assess: bucket 0 holds batches 0 and 1; site_kw skips batch 1 (its gpu_kw is NULL), asic_kw does not.
    expect(power).toEqual([
      { bucket_ms: 0, samples: 2, site_kw: 1000, limit_kw: 1000, asic_kw: 800, gpu_kw: 100, curtailed_kw: 0 },
      { bucket_ms: 120_000, samples: 1, site_kw: 600, limit_kw: 1000, asic_kw: 500, gpu_kw: 100, curtailed_kw: 0 },
    ]);
    expect(money.map((row) => row.mining_usd)).toEqual([2, 1]);
  });

  it('refuses a batch without its bucket', () => {
    expect(() => seriesOfBatches([{ at_ms: 1 }], 'hashrate')).toThrow(/bucket_ms/);
  });
});
