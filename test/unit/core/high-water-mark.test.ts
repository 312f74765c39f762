import fc from 'fast-check';
import {
  advanceHighWaterMark,
  type HighWaterMark,
  MAX_PENDING_RANGES,
  NO_MARK,
} from '../../../core/telemetry/high-water-mark.js';

const arrive = (seqs: readonly number[], heldFrom?: (seq: number) => number | undefined): HighWaterMark =>
  seqs.reduce((mark, seq) => advanceHighWaterMark(mark, seq, heldFrom?.(seq)), NO_MARK);

/** The highest n such that 0..n all arrived: the definition the mark must equal. */
function highestContiguous(seqs: readonly number[]): number {
  const seen = new Set(seqs);
  let n = -1;
  while (seen.has(n + 1)) n += 1;
  return n;
}

describe('telemetry high-water mark', () => {
  it('keeps a batch above a gap and advances over it when the gap fills', () => {
    // Act
    const gapped = arrive([0, 1, 3, 4, 6]);
    const filled = advanceHighWaterMark(gapped, 2);

    // Assess
    expect(gapped).toEqual({
      ackedThroughSeq: 1,
      pending: [
        [3, 4],
        [6, 6],
      ],
    });
    expect(filled).toEqual({ ackedThroughSeq: 4, pending: [[6, 6]] });
  });

  it('ignores a duplicate and never moves down', () => {
    // Act
    const mark = arrive([0, 1, 2, 1, 0, 2]);

    // Assess
    expect(mark).toEqual({ ackedThroughSeq: 2, pending: [] });
  });

  it('passes the numbers the gateway dropped (below its heldFromSeq) instead of waiting for them forever', () => {
    // Act: 0-1 stored; the gateway's bound dropped 2-4; batch 5 says the gateway holds nothing below 5
    const mark = arrive([0, 1, 6, 5], (seq) => (seq >= 5 ? 5 : 0));

    // Assess
    expect(mark).toEqual({ ackedThroughSeq: 6, pending: [] });
  });

  it('equals the highest contiguous number whatever the arrival order, with duplicates', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 200 }), (seqs) => {
        // Act
        const mark = arrive(seqs);

        // Assess: the mark, and pending holds exactly the arrived numbers above mark + 1
        expect(mark.ackedThroughSeq).toBe(highestContiguous(seqs));
        const pendingSeqs = mark.pending.flatMap(([from, to]) =>
          Array.from({ length: to - from + 1 }, (_, i) => from + i),
        );
        expect(pendingSeqs).toEqual([...new Set(seqs)].filter((s) => s > mark.ackedThroughSeq).sort((a, b) => a - b));
      }),
    );
  });

  it('reaches the last number once every batch of a permutation arrived, moving only up on the way', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }).chain((n) =>
          fc.shuffledSubarray(
            Array.from({ length: n }, (_, i) => i),
            { minLength: n },
          ),
        ),
        (order) => {
          // Act
          let mark = NO_MARK;
          const marks: number[] = [];
          for (const seq of order) {
            mark = advanceHighWaterMark(mark, seq);
            marks.push(mark.ackedThroughSeq);
          }

          // Assess
          expect(marks).toEqual([...marks].sort((a, b) => a - b));
          expect(mark).toEqual({ ackedThroughSeq: order.length - 1, pending: [] });
        },
      ),
    );
  });
});

describe('the pending bound', () => {
  it(`keeps at most ${MAX_PENDING_RANGES} ranges above a gap, forgetting the highest`, () => {
    // Act: every other number from 2, so each is its own range above the gap at 1
    const seqs = [0, ...Array.from({ length: MAX_PENDING_RANGES + 5 }, (_, i) => 2 + 2 * i)];
    const mark = arrive(seqs);

    // Assess
    expect(mark.ackedThroughSeq).toBe(0);
    expect(mark.pending).toHaveLength(MAX_PENDING_RANGES);
    expect(mark.pending.at(-1)).toEqual([2 * MAX_PENDING_RANGES, 2 * MAX_PENDING_RANGES]);
  });
});
