import type { GpuNodeReport } from '../../../../core/gpu/node-messages.js';
import type { ReportSink } from '../../../adapters/inference/port.js';

/** What makes the nodes' report a change: every field but the running job counts and when each node was last seen. */
export function inventoryKey(report: GpuNodeReport): string {
  return JSON.stringify(report.nodes.map(({ runningJobs: _r, lastSeenAt: _s, ...n }) => n));
}

/**
 * Sends the nodes' inventory and health (`gpu-nodes`, QoS 0) when it changed and at least every `periodMs`. A report
 * the sink refuses is not retried: the next change or interval replaces it.
 */
export class InventoryReporter {
  private lastKey = '';
  private lastSentMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: ReportSink,
    private readonly periodMs: number,
    private readonly log: (event: string, detail: Record<string, unknown>) => void,
  ) {}

  offer(report: GpuNodeReport, nowMs: number): void {
    const key = inventoryKey(report);
    if (key === this.lastKey && nowMs - this.lastSentMs < this.periodMs) return;
    this.lastKey = key;
    this.lastSentMs = nowMs;
    this.sink.publish(JSON.stringify(report)).catch((error: unknown) => {
      // Lost: the next offer sends again whatever it holds.
      this.lastKey = '';
      this.log('inventory-send-failed', { error: String(error) });
    });
  }
}
