import type { GpuHealthSample } from '../../../../core/gpu/health.js';
import type { NodeHealthPort } from '../../../adapters/inference/port.js';
import type { WorkerNode } from './config.js';

export interface NodeHealthSample {
  readonly nodeId: string;
  readonly gpus: readonly GpuHealthSample[];
}

/**
 * Reads every node's GPU health from its dcgm-exporter; a node that does not answer is left out (no sample is not a
 * verdict: NodeManager assesses and applies the samples, core/gpu/health.ts holds the thresholds).
 */
export async function readNodeHealth(nodes: readonly WorkerNode[], port: NodeHealthPort): Promise<NodeHealthSample[]> {
  const readings = await Promise.all(nodes.map((n) => port.readHealth(n.metricsUrl)));
  return nodes.flatMap((node, i) => {
    const gpus = readings[i];
    return gpus ? [{ nodeId: node.nodeId, gpus }] : [];
  });
}
