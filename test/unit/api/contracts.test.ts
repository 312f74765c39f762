import fc from 'fast-check';
import { canonicalJson } from '../../../core/api/canonical.js';
import { decodeCursor, encodeCursor } from '../../../core/api/pagination.js';
import { summarizeUsage, usagePeriodOf } from '../../../core/api/usage.js';
import { isCancellable, newWorkloadId, requestFingerprint } from '../../../core/api/workloads.js';
import { idSchema } from '../../../core/support/schema.js';

describe('request fingerprints', () => {
  it('ignore key order at every depth and differ when a value differs', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(requestFingerprint(reversed)).toBe(requestFingerprint(value));
        expect(requestFingerprint({ ...value, __extra: 1 })).not.toBe(requestFingerprint(value));
      }),
    );
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('cursors', () => {
  it('round-trip their position and reject anything else without throwing', () => {
    expect(decodeCursor(encodeCursor({ sk: 'WORKLOAD#wl-1' }), ['sk'])).toEqual({ sk: 'WORKLOAD#wl-1' });
    expect(decodeCursor(encodeCursor({ sk: 'x', pk: 'TENANT#other' }), ['sk'])).toBeUndefined();
    fc.assert(fc.property(fc.string(), (text) => expect(() => decodeCursor(text, ['sk'])).not.toThrow()));
  });
});

describe('workload ids', () => {
  it('are valid ids that sort by submission time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), (a, b) => {
        const [x, y] = [newWorkloadId(a, 'ffffffffffffffff'), newWorkloadId(b, '0000000000000000')];
        expect(idSchema.safeParse(x).success).toBe(true);
        if (a < b) expect(x < y).toBe(true);
      }),
    );
  });

  it('are cancellable only before they run', () => {
    expect(['accepted', 'queued', 'preempted'].every((s) => isCancellable(s as never))).toBe(true);
    expect(['running', 'completed', 'failed', 'cancelled'].some((s) => isCancellable(s as never))).toBe(false);
  });
});

describe('usage summary', () => {
  it('counts distinct jobs, sums attempts, and puts a record in the UTC month it ended', () => {
    const base = { tenantId: 't', workloadId: 'w1', attempt: 1, siteId: 's', completedAt: '2025-01-31T23:30:00-02:00' };
    const record = { ...base, gpuSeconds: 1, inputTokens: 1, outputTokens: 1, energyKwh: 0.1, priceUsd: 0.1 };
    expect(usagePeriodOf(record.completedAt)).toBe('2025-02');
    const summary = summarizeUsage('t', '2025-02', [record, { ...record, attempt: 2, energyKwh: 0.2, priceUsd: 0.2 }]);
    expect(summary).toMatchObject({ jobs: 1, gpuSeconds: 2, energyKwh: 0.3, priceUsd: 0.3 });
  });
});
