import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DiskSpool } from '../src/spool.js';
import { entriesToDrop } from '../src/spool-policy.js';

describe('spool drop policy', () => {
  it('drops the oldest entries first, never the one in flight, and stays within its bounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 100, max: 1000 }),
        fc.option(fc.nat(29), { nil: undefined }),
        (sizes, incoming, maxBatches, maxBytes, inFlight) => {
          const entries = sizes.map((bytes, seq) => ({ seq, bytes }));
          const drop = entriesToDrop(entries, incoming, { maxBatches, maxBytes }, inFlight);
          expect(drop).not.toContain(inFlight);
          expect([...drop].sort((a, b) => a - b)).toEqual(drop);
          const kept = entries.filter((e) => !drop.includes(e.seq));
          const fits = kept.length + 1 <= maxBatches && kept.reduce((s, e) => s + e.bytes, 0) + incoming <= maxBytes;
          const onlyInFlightLeft = kept.every((e) => e.seq === inFlight);
          expect(fits || onlyInFlightLeft).toBe(true);
          // Oldest first: every dropped entry is older than every kept one other than the in-flight entry.
          const keptOthers = kept.filter((e) => e.seq !== inFlight).map((e) => e.seq);
          if (drop.length > 0 && keptOthers.length > 0) expect(Math.max(...drop)).toBeLessThan(Math.min(...keptOthers));
        },
      ),
    );
  });
});

describe('disk spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps order, sequence numbers and the dropped count across a restart', () => {
    // Prepare
    const spool = new DiskSpool(dir, { maxBatches: 3, maxBytes: 1e6 });
    for (let i = 0; i < 5; i++) spool.append(spool.takeSeq(), `batch-${i}`);

    // Act
    const reopened = new DiskSpool(dir, { maxBatches: 3, maxBytes: 1e6 });

    // Assess
    expect(reopened.dropped).toBe(2);
    expect(reopened.size).toBe(3);
    expect(reopened.peek()).toEqual({ seq: 2, payload: 'batch-2' });
    expect(reopened.takeSeq()).toBe(5);
  });
});
