import * as nodeFs from 'node:fs';
import path from 'node:path';
import { entriesToDrop, type SpooledEntry, type SpoolLimits } from './spool-policy.js';

/**
 * A directory of batches, one file each, named by zero-padded batch sequence so a directory listing is the delivery
 * order. A counters file keeps the next sequence and the dropped count across restarts.
 */
/** The file operations the spool needs; a test passes a disk that fills up. */
export type SpoolFs = Pick<
  typeof nodeFs,
  'mkdirSync' | 'readdirSync' | 'readFileSync' | 'renameSync' | 'rmSync' | 'statSync' | 'writeFileSync'
>;

export class DiskSpool {
  private entries: SpooledEntry[] = [];
  private nextSeqValue = 0;
  private droppedValue = 0;

  constructor(
    private readonly dir: string,
    private readonly limits: SpoolLimits,
    private readonly fs: SpoolFs = nodeFs,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir).sort()) {
      const match = /^(\d{12})\.json$/.exec(name);
      if (match) this.entries.push({ seq: Number(match[1]), bytes: fs.statSync(path.join(dir, name)).size });
    }
    const afterSpooled = (this.entries.at(-1)?.seq ?? -1) + 1;
    try {
      const counters = JSON.parse(fs.readFileSync(this.countersFile(), 'utf8')) as { nextSeq: number; dropped: number };
      // A batch file written before a counters write failed (full disk) still holds its number: never reuse it.
      this.nextSeqValue = Math.max(counters.nextSeq, afterSpooled);
      this.droppedValue = counters.dropped;
    } catch {
      this.nextSeqValue = afterSpooled;
    }
  }

  private countersFile(): string {
    return path.join(this.dir, 'counters');
  }

  private file(seq: number): string {
    return path.join(this.dir, `${String(seq).padStart(12, '0')}.json`);
  }

  private saveCounters(): void {
    const tmp = `${this.countersFile()}.tmp`;
    this.fs.writeFileSync(tmp, JSON.stringify({ nextSeq: this.nextSeqValue, dropped: this.droppedValue }));
    this.fs.renameSync(tmp, this.countersFile());
  }

  /** The sequence number the next batch will take. */
  get nextSeq(): number {
    return this.nextSeqValue;
  }

  get dropped(): number {
    return this.droppedValue;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Stores the batch numbered `nextSeq` (the caller wrote that number into `payload`), dropping the oldest entries
   * (never `inFlightSeq`) to stay within the limits. The number is taken only once the batch file is written: a
   * write the disk refuses (ENOSPC) throws with nothing taken, so the numbers stay contiguous.
   */
  appendNext(payload: string, inFlightSeq?: number): number {
    const seq = this.nextSeqValue;
    const bytes = Buffer.byteLength(payload);
    const drop = new Set(entriesToDrop(this.entries, bytes, this.limits, inFlightSeq));
    for (const s of drop) this.fs.rmSync(this.file(s), { force: true });
    this.entries = this.entries.filter((e) => !drop.has(e.seq));
    this.droppedValue += drop.size;
    try {
      this.fs.writeFileSync(this.file(seq), payload);
    } catch (error) {
      this.fs.rmSync(this.file(seq), { force: true });
      throw error;
    }
    this.entries.push({ seq, bytes });
    this.nextSeqValue = seq + 1;
    this.saveCounters();
    return seq;
  }

  /** The spooled batch numbers, oldest first. */
  seqs(): number[] {
    return this.entries.map((e) => e.seq);
  }

  read(seq: number): string {
    return this.fs.readFileSync(this.file(seq), 'utf8');
  }

  /** Removes every batch numbered up to `seq` (the cloud has them); returns how many. */
  removeThrough(seq: number): number {
    const covered = this.entries.filter((e) => e.seq <= seq);
    for (const e of covered) this.fs.rmSync(this.file(e.seq), { force: true });
    this.entries = this.entries.filter((e) => e.seq > seq);
    return covered.length;
  }

  peek(): { seq: number; payload: string } | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    return { seq: head.seq, payload: this.fs.readFileSync(this.file(head.seq), 'utf8') };
  }

  remove(seq: number): void {
    this.fs.rmSync(this.file(seq), { force: true });
    this.entries = this.entries.filter((e) => e.seq !== seq);
  }
}
