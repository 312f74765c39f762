import { attributeNodeUsage, type JobRun, type PowerSample } from '../../../../core/metering/attribution.js';
import type { NodePowerPort } from '../../../adapters/inference/port.js';
import type { WorkerNode } from './config.js';

export interface Usage {
  readonly gpuSeconds: number;
  readonly energyKwh: number;
}

export const NO_USAGE: Usage = { gpuSeconds: 0, energyKwh: 0 };

/**
 * Each node's power samples and the runs that shared it: what an ended run's GPU time and energy are cut from
 * (core/metering/attribution.ts). Pure state: times come in as arguments. Only what a running job may still need is
 * kept (plus the sample in force at its start).
 */
export class NodeMeter {
  private readonly runsByNode = new Map<string, JobRun[]>();
  private readonly samplesByNode = new Map<string, PowerSample[]>();

  record(nodeId: string, sample: PowerSample): void {
    const samples = this.samplesByNode.get(nodeId) ?? [];
    samples.push(sample);
    this.samplesByNode.set(nodeId, samples);
  }

  /** A run started on the node: it shares the node's power from `startMs` until it is closed. */
  open(nodeId: string, jobId: string, startMs: number): void {
    this.runsByNode.set(nodeId, [
      ...(this.runsByNode.get(nodeId) ?? []),
      { jobId, startMs, endMs: Number.POSITIVE_INFINITY },
    ]);
  }

  /** Closes the run at `endMs` and returns its share of the node's GPU time and energy since it started. */
  close(run: { nodeId: string; jobId: string; gpuCount: number; startMs: number }, endMs: number): Usage {
    const { nodeId, jobId } = run;
    const runs = (this.runsByNode.get(nodeId) ?? []).map((r) =>
      r.jobId === jobId && r.endMs === Number.POSITIVE_INFINITY ? { ...r, endMs } : r,
    );
    this.runsByNode.set(nodeId, runs);
    const attribution = attributeNodeUsage({
      samples: this.samplesByNode.get(nodeId) ?? [],
      runs: runs.map((r) => ({ ...r, endMs: Math.min(r.endMs, endMs) })),
      gpuCount: run.gpuCount,
      fromMs: run.startMs,
      toMs: endMs,
    });
    this.prune(nodeId, endMs);
    return attribution.byJob.get(jobId) ?? NO_USAGE;
  }

  /** Samples held for the node (what metering a run still open there may use). */
  samples(nodeId: string): readonly PowerSample[] {
    return this.samplesByNode.get(nodeId) ?? [];
  }

  private prune(nodeId: string, nowMs: number): void {
    const runs = this.runsByNode.get(nodeId) ?? [];
    const open = runs.filter((r) => r.endMs === Number.POSITIVE_INFINITY);
    const horizonMs = Math.min(nowMs, ...open.map((r) => r.startMs));
    this.runsByNode.set(
      nodeId,
      runs.filter((r) => r.endMs > horizonMs),
    );
    const samples = this.samplesByNode.get(nodeId) ?? [];
    const firstKept = Math.max(0, samples.findIndex((s) => s.atMs > horizonMs) - 1);
    if (firstKept > 0) this.samplesByNode.set(nodeId, samples.slice(firstKept));
  }
}

/**
 * Reads every node's power, as the power of the `gpuCount` GPUs the node's runs are metered on: the GPUs that reported
 * scaled to that count (on real hardware the two are equal; a virtual node is an 8-GPU board standing for a larger
 * share of its pool, and its GPU-seconds count that share, so its energy must too). A node that does not answer is
 * left out (its sample is skipped, not zero).
 */
export async function readNodePower(
  nodes: readonly WorkerNode[],
  port: NodePowerPort,
): Promise<Array<{ nodeId: string; powerW: number }>> {
  const readings = await Promise.all(nodes.map((n) => port.readPower(n.metricsUrl)));
  return nodes.flatMap((node, i) => {
    const reading = readings[i];
    return reading === undefined
      ? []
      : [{ nodeId: node.nodeId, powerW: (reading.powerW * node.gpuCount) / reading.gpus }];
  });
}
