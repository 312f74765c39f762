import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { entriesToDrop, type SpooledEntry, type SpoolLimits } from './spool-policy.js';

/**
 * A directory of batches, one file each, named by zero-padded batch sequence so a directory listing is the delivery
 * order. A counters file keeps the next sequence and the dropped count across restarts.
 */
export class DiskSpool {
  private entries: SpooledEntry[] = [];
  private nextSeqValue = 0;
  private droppedValue = 0;

  constructor(
    private readonly dir: string,
    private readonly limits: SpoolLimits,
  ) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      const match = /^(\d{12})\.json$/.exec(name);
      if (match) this.entries.push({ seq: Number(match[1]), bytes: statSync(path.join(dir, name)).size });
    }
    try {
      const counters = JSON.parse(readFileSync(this.countersFile(), 'utf8')) as { nextSeq: number; dropped: number };
      this.nextSeqValue = counters.nextSeq;
      this.droppedValue = counters.dropped;
    } catch {
      this.nextSeqValue = (this.entries.at(-1)?.seq ?? -1) + 1;
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
    writeFileSync(tmp, JSON.stringify({ nextSeq: this.nextSeqValue, dropped: this.droppedValue }));
    renameSync(tmp, this.countersFile());
  }

  /** Takes the next batch sequence number (monotonic across restarts). */
  takeSeq(): number {
    const seq = this.nextSeqValue++;
    this.saveCounters();
    return seq;
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

  /** Stores a batch, dropping the oldest entries (never `inFlightSeq`) to stay within the limits. */
  append(seq: number, payload: string, inFlightSeq?: number): void {
    const bytes = Buffer.byteLength(payload);
    const drop = new Set(entriesToDrop(this.entries, bytes, this.limits, inFlightSeq));
    for (const s of drop) rmSync(this.file(s), { force: true });
    this.entries = this.entries.filter((e) => !drop.has(e.seq));
    this.droppedValue += drop.size;
    writeFileSync(this.file(seq), payload);
    this.entries.push({ seq, bytes });
    this.saveCounters();
  }

  peek(): { seq: number; payload: string } | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    return { seq: head.seq, payload: readFileSync(this.file(head.seq), 'utf8') };
  }

  remove(seq: number): void {
    rmSync(this.file(seq), { force: true });
    this.entries = this.entries.filter((e) => e.seq !== seq);
  }
}
