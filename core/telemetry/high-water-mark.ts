/**
 * A gateway's telemetry high-water mark: the highest batch number up to which every batch is stored. Batches arrive
 * out of order (a standard queue, a re-sent spool), so those above a gap are kept as ranges and the mark advances over
 * them when the gap fills. The mark only moves up.
 */
export interface HighWaterMark {
  /** Every batch numbered up to this one is stored; -1 before the first. */
  readonly ackedThroughSeq: number;
  /** Stored batches above the mark, as sorted, disjoint, non-adjacent inclusive ranges `[from, to]`, all > mark + 1. */
  readonly pending: ReadonlyArray<readonly [number, number]>;
}

/**
 * Ranges kept above a gap, at most, so the stored mark stays a small item (DynamoDB's 400 KB): past it the highest
 * ranges are forgotten; those batches stay stored, the mark just does not count them, so the gateway sends them again.
 */
export const MAX_PENDING_RANGES = 1000;

export const NO_MARK: HighWaterMark = { ackedThroughSeq: -1, pending: [] };

/**
 * The mark after batch `seq` is stored. `heldFromSeq` is the lowest number the gateway still held when it spooled the
 * batch: those below it were acknowledged or dropped by the gateway, so the mark does not wait for them.
 */
export function advanceHighWaterMark(mark: HighWaterMark, seq: number, heldFromSeq?: number): HighWaterMark {
  let through = Math.max(mark.ackedThroughSeq, (heldFromSeq ?? 0) - 1);
  const ranges = seq > through ? insertRange(mark.pending, seq) : [...mark.pending];
  // Ranges the floor passed are covered; the first range that touches the mark is absorbed.
  const rest: Array<readonly [number, number]> = [];
  for (const [from, to] of ranges) {
    if (to <= through) continue;
    if (from <= through + 1) through = to;
    else rest.push([from, to]);
  }
  return { ackedThroughSeq: through, pending: rest.slice(0, MAX_PENDING_RANGES) };
}

function insertRange(ranges: ReadonlyArray<readonly [number, number]>, seq: number): Array<readonly [number, number]> {
  const out: Array<[number, number]> = [];
  let placed = false;
  for (const [from, to] of ranges) {
    if (seq >= from && seq <= to) return [...ranges];
    if (!placed && seq < from) {
      out.push([seq, seq]);
      placed = true;
    }
    out.push([from, to]);
  }
  if (!placed) out.push([seq, seq]);
  // Merge neighbours: [3,3] beside [4,6] is [3,6].
  const merged: Array<[number, number]> = [];
  for (const range of out) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
