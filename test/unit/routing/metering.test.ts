import fc from 'fast-check';
import { usageRecordSchema } from '../../../core/api/usage.js';
import { attributeNodeUsage } from '../../../core/metering/attribution.js';
import { fleetFigures } from '../../../core/metering/fleet-figures.js';
import { STATEMENT_CSV_COLUMNS, statementCsv, usageStatement } from '../../../core/metering/statement.js';
import { type MeteredAttempt, meterAttempt, toUsageRecord } from '../../../core/metering/usage.js';

const micro = (x: number) => Math.round(x * 1e6);

const attemptArb = fc.record({
  tenantId: fc.constantFrom<string>('tenant-a', 'tenant-b', 'tenant-c'),
  job: fc.integer({ min: 0, max: 40 }),
  attempt: fc.integer({ min: 1, max: 4 }),
  tier: fc.constantFrom('guaranteed' as const, 'flex' as const),
  outcome: fc.constantFrom('completed' as const, 'preempted' as const, 'failed' as const),
  endOffsetMs: fc.integer({ min: 0, max: 40 * 86_400_000 }),
  gpuSeconds: fc.double({ min: 0, max: 1e5, noNaN: true }),
  energyKwh: fc.double({ min: 0, max: 500, noNaN: true }),
  inputTokens: fc.integer({ min: 0, max: 1e6 }),
  outputTokens: fc.integer({ min: 0, max: 1e6 }),
});

type AttemptSpec = typeof attemptArb extends fc.Arbitrary<infer T> ? T : never;

function toRecord(a: AttemptSpec): MeteredAttempt {
  return meterAttempt(
    {
      tenantId: a.tenantId,
      workloadId: `wl-${a.job}`,
      attempt: a.attempt,
      siteId: 'site-west-1',
      poolId: 'west-h100-a',
      modelId: 'meta-llama/Llama-3.1-70B-Instruct',
      tier: a.tier,
      outcome: a.outcome,
      endedAtMs: Date.parse('2026-03-01T00:00:00Z') + a.endOffsetMs,
      gpuSeconds: a.gpuSeconds,
      energyKwh: a.energyKwh,
      billedInputTokens: a.inputTokens,
      billedOutputTokens: a.outputTokens,
    },
    { tokensPerSecPerGpu: 900, gpuSpeed: 1 },
  );
}

describe('metering', () => {
  it('splits a node energy and GPU time over concurrent jobs, conserving the node integral', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            atMs: fc.integer({ min: 0, max: 100_000 }),
            powerW: fc.double({ min: 0, max: 6000, noNaN: true }),
          }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.array(
          fc.record({ start: fc.integer({ min: 0, max: 100_000 }), length: fc.integer({ min: 1, max: 50_000 }) }),
          {
            maxLength: 12,
          },
        ),
        (samples, spans) => {
          // Prepare
          const runs = spans.map((s, i) => ({ jobId: `j${i}`, startMs: s.start, endMs: s.start + s.length }));

          // Act
          const result = attributeNodeUsage({ samples, runs, gpuCount: 8, fromMs: 0, toMs: 100_000 });
          const jobs = [...result.byJob.values()];
          const kwh = jobs.reduce((sum, u) => sum + u.energyKwh, result.idle.energyKwh);
          const gpuSeconds = jobs.reduce((sum, u) => sum + u.gpuSeconds, result.idle.gpuSeconds);

          // Assess: a zero-order hold of the samples, integrated over the window
          const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
          let joules = 0;
          for (let t = 0; t < 100_000; t += 1) {
            const p = [...sorted].reverse().find((s) => s.atMs <= t)?.powerW ?? sorted[0]!.powerW;
            joules += p / 1000;
          }
          expect(kwh).toBeCloseTo(joules / 3_600_000, 6);
          expect(gpuSeconds).toBeCloseTo(800, 6);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('gives two jobs running together equal halves, and a job alone the whole node', () => {
    // Act: 1 kW for 10 s; a runs 0–10 s, b runs 5–10 s
    const result = attributeNodeUsage({
      samples: [{ atMs: 0, powerW: 1000 }],
      runs: [
        { jobId: 'a', startMs: 0, endMs: 10_000 },
        { jobId: 'b', startMs: 5_000, endMs: 10_000 },
      ],
      gpuCount: 8,
      fromMs: 0,
      toMs: 10_000,
    });

    // Assess: a gets 5 kJ + 2.5 kJ, b 2.5 kJ
    expect(result.byJob.get('a')!.energyKwh * 3_600_000).toBeCloseTo(7500, 6);
    expect(result.byJob.get('b')!.energyKwh * 3_600_000).toBeCloseTo(2500, 6);
    expect(result.byJob.get('b')!.gpuSeconds).toBeCloseTo(20, 9);
    expect(result.idle.energyKwh).toBe(0);
  });

  it('makes a tenant statement whose totals equal the sum of its per-job records, in JSON and CSV', () => {
    fc.assert(
      fc.property(fc.array(attemptArb, { maxLength: 80 }), (attempts) => {
        // Prepare
        const records = attempts.map(toRecord);

        // Act
        const statement = usageStatement(records, 'tenant-a', '2026-03');
        const csv = statementCsv(statement).trimEnd().split('\r\n');

        // Assess
        const mine = records.filter((r) => r.tenantId === 'tenant-a' && r.completedAt.startsWith('2026-03'));
        expect(statement.lines).toHaveLength(mine.length);
        for (const field of ['priceUsd', 'gpuSeconds', 'energyKwh'] as const) {
          expect(micro(statement.totals[field])).toBe(mine.reduce((sum, r) => sum + micro(r[field]), 0));
          expect(micro(statement.byTier.flex[field]) + micro(statement.byTier.guaranteed[field])).toBe(
            micro(statement.totals[field]),
          );
          const column = STATEMENT_CSV_COLUMNS.indexOf(field);
          const rows = csv.slice(1, -1).map((line) => Number(line.split(',')[column]));
          expect(micro(Number(csv.at(-1)!.split(',')[column]))).toBe(rows.reduce((sum, x) => sum + micro(x), 0));
        }
        expect(statement.totals.outputTokens).toBe(mine.reduce((sum, r) => sum + r.outputTokens, 0));
        expect(statement.totals.jobs).toBe(new Set(mine.map((r) => r.workloadId)).size);
        expect(csv).toHaveLength(mine.length + 2);
      }),
    );
  });

  it('prices by tier from the delivered tokens: guaranteed twice flex, nothing for an attempt that delivered none', () => {
    // Prepare
    const attempt = { tenantId: 'tenant-a', job: 1, attempt: 1, endOffsetMs: 0, gpuSeconds: 10, energyKwh: 1 };
    const tokens = { inputTokens: 0, outputTokens: 900 * 3600 };

    // Act
    const flex = toRecord({ ...attempt, ...tokens, tier: 'flex', outcome: 'completed' });
    const guaranteed = toRecord({ ...attempt, ...tokens, tier: 'guaranteed', outcome: 'completed' });
    const lost = toRecord({ ...attempt, inputTokens: 0, outputTokens: 0, tier: 'guaranteed', outcome: 'preempted' });

    // Assess
    expect(flex.priceUsd).toBe(1.5);
    expect(guaranteed.priceUsd).toBe(3);
    expect(lost.priceUsd).toBe(0);
    expect(lost.energyKwh).toBe(1);
  });

  it("hands the API's usage store a record its strict schema accepts", () => {
    // Prepare
    const record = toRecord({
      tenantId: 'tenant-a',
      job: 1,
      attempt: 2,
      tier: 'flex',
      outcome: 'completed',
      endOffsetMs: 0,
      gpuSeconds: 3,
      energyKwh: 0.5,
      inputTokens: 10,
      outputTokens: 20,
    });

    // Act
    const parsed = usageRecordSchema.safeParse(toUsageRecord(record));

    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ workloadId: 'wl-1', attempt: 2, priceUsd: record.priceUsd });
  });

  it('reports revenue per GPU per month, utilisation and preemptions by tier', () => {
    // Prepare: 30.436875 days (a mean month) on 10 GPUs
    const monthMs = (365.2425 / 12) * 86_400_000;
    const records = [
      toRecord({
        tenantId: 'tenant-a',
        job: 1,
        attempt: 1,
        tier: 'flex',
        outcome: 'preempted',
        endOffsetMs: 0,
        gpuSeconds: 100,
        energyKwh: 1,
        inputTokens: 0,
        outputTokens: 0,
      }),
      toRecord({
        tenantId: 'tenant-a',
        job: 1,
        attempt: 2,
        tier: 'flex',
        outcome: 'completed',
        endOffsetMs: 1,
        gpuSeconds: 3600,
        energyKwh: 2,
        inputTokens: 0,
        outputTokens: 900 * 3600 * 10,
      }),
    ];

    // Act
    const figures = fleetFigures(records, {
      fromMs: Date.parse('2026-03-01T00:00:00Z'),
      toMs: Date.parse('2026-03-01T00:00:00Z') + monthMs,
      installedGpus: 10,
    });

    // Assess
    expect(figures.revenueUsd).toBe(15);
    expect(figures.revenuePerGpuPerMonthUsd).toBeCloseTo(1.5, 9);
    expect(figures.gpuUtilization).toBeCloseTo(3700 / ((10 * monthMs) / 1000), 12);
    expect(figures.preemptions).toEqual({ total: 1, flex: 1, guaranteed: 0 });
    expect(figures.energyKwh).toBe(3);
  });

  it('keeps statements to one tenant and one month', () => {
    // Prepare
    const base = {
      job: 1,
      attempt: 1,
      tier: 'flex' as const,
      outcome: 'completed' as const,
      gpuSeconds: 1,
      energyKwh: 1,
      inputTokens: 1,
      outputTokens: 1,
    };
    const records = [
      toRecord({ ...base, tenantId: 'tenant-a', endOffsetMs: 0 }),
      toRecord({ ...base, tenantId: 'tenant-b', endOffsetMs: 0 }),
      toRecord({ ...base, tenantId: 'tenant-a', endOffsetMs: 31 * 86_400_000 }),
    ];

    // Act
    const statement = usageStatement(records, 'tenant-a', '2026-03');

    // Assess
    expect(statement.lines).toHaveLength(1);
    expect(statement.totals.attempts).toBe(1);
  });
});
