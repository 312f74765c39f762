import { advanceHighWaterMark, type HighWaterMark, NO_MARK } from '../../../core/telemetry/high-water-mark.js';
import type { TelemetryMarkStore } from '../ports.js';

/** The marks in memory: the local platform's and the tests' store (one process owns each gateway's mark). */
export class MemoryTelemetryMarkStore implements TelemetryMarkStore {
  private readonly marks = new Map<string, HighWaterMark>();

  async advance(siteId: string, gatewayId: string, batchSeq: number, heldFromSeq: number | undefined): Promise<number> {
    const key = `${siteId}/${gatewayId}`;
    const mark = advanceHighWaterMark(this.marks.get(key) ?? NO_MARK, batchSeq, heldFromSeq);
    this.marks.set(key, mark);
    return mark.ackedThroughSeq;
  }
}
