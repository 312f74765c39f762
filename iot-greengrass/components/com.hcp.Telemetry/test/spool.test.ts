import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DiskSpool, type SpoolFs } from '../src/spool.js';
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
    for (let i = 0; i < 5; i++) spool.appendNext(`batch-${i}`);

    // Act
    const reopened = new DiskSpool(dir, { maxBatches: 3, maxBytes: 1e6 });

    // Assess
    expect(reopened.dropped).toBe(2);
    expect(reopened.size).toBe(3);
    expect(reopened.peek()).toEqual({ seq: 2, payload: 'batch-2' });
    expect(reopened.nextSeq).toBe(5);
  });

  it('takes no number for a batch a full disk refuses, and never reuses one whose counters write failed', () => {
    // Prepare: a disk that refuses batch files while full, then counters files while "counters-full".
    let refuse: 'none' | 'batches' | 'counters' = 'none';
    const disk = {
      ...nodeFs,
      writeFileSync: (file: nodeFs.PathOrFileDescriptor, data: string) => {
        const isCounters = String(file).includes('counters');
        if ((refuse === 'batches' && !isCounters) || (refuse === 'counters' && isCounters)) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        nodeFs.writeFileSync(file, data);
      },
    } as SpoolFs;
    const spool = new DiskSpool(dir, { maxBatches: 100, maxBytes: 1e6 }, disk);
    spool.appendNext('batch-0');

    // Act
    refuse = 'batches';
    expect(() => spool.appendNext('lost')).toThrow(/ENOSPC/);
    refuse = 'none';
    spool.appendNext('batch-1');
    refuse = 'counters';
    expect(() => spool.appendNext('batch-2')).toThrow(/ENOSPC/);
    const reopened = new DiskSpool(dir, { maxBatches: 100, maxBytes: 1e6 });

    // Assess: 0, 1, 2 on disk, contiguous; the restart does not hand out 2 again.
    expect(
      nodeFs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort(),
    ).toEqual(['000000000000.json', '000000000001.json', '000000000002.json']);
    expect(reopened.nextSeq).toBe(3);
  });
});
