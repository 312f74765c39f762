/**
 * The offline spool's bounds and drop policy, pure. Policy: **drop oldest**. While the gateway is offline the newest
 * batches describe the site as it is now, which is what operators and the next dispatch need; the oldest are the
 * least useful and, past the bound, are dropped and counted (`droppedBatches` in every later batch). The batch in
 * flight (sent, not yet acknowledged) is never dropped, so a batch is never both counted dropped and delivered.
 * With `awaitCloudAck` a batch stays spooled after it is sent, until the cloud's mark covers it: one dropped then may
 * have reached the cloud too, so `droppedBatches` counts at most the batches lost.
 */
export interface SpoolLimits {
  readonly maxBatches: number;
  readonly maxBytes: number;
}

export interface SpooledEntry {
  readonly seq: number;
  readonly bytes: number;
}

/** Sequence numbers to drop, oldest first, so that `incomingBytes` fits. */
export function entriesToDrop(
  entries: readonly SpooledEntry[],
  incomingBytes: number,
  limits: SpoolLimits,
  inFlightSeq?: number,
): number[] {
  let count = entries.length + 1;
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0) + incomingBytes;
  const drop: number[] = [];
  for (const entry of entries) {
    if (count <= limits.maxBatches && bytes <= limits.maxBytes) break;
    if (entry.seq === inFlightSeq) continue;
    drop.push(entry.seq);
    count -= 1;
    bytes -= entry.bytes;
  }
  return drop;
}
