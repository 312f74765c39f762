import { type CordonSource, cordonNode, drainNode, type GpuInventory, uncordonNode } from './inventory.js';

/** What a node's exporter (DCGM, nvidia-smi -q) says about each of its GPUs at one sample. */
export interface GpuHealthSample {
  readonly index: number;
  readonly temperatureC: number;
  /** Volatile double-bit ECC errors (DCGM_FI_DEV_ECC_DBE_VOL_TOTAL): uncorrectable, the GPU's data is suspect. */
  readonly eccDoubleBitErrors?: number;
  /** Volatile single-bit ECC errors (DCGM_FI_DEV_ECC_SBE_VOL_TOTAL): corrected, but a rising count precedes failure. */
  readonly eccSingleBitErrors?: number;
  /** XID codes the driver logged since the previous sample (DCGM_FI_DEV_XID_ERRORS, kernel log `NVRM: Xid`). */
  readonly xidErrors?: readonly number[];
}

export interface NodeHealthSample {
  readonly nodeId: string;
  readonly gpus: readonly GpuHealthSample[];
}

export interface HealthThresholds {
  /** Above this a GPU is close to its slowdown temperature: take no new work. */
  readonly temperatureDegradedC: number;
  /** At this a GPU throttles its clocks: move the work off. */
  readonly temperatureUnhealthyC: number;
  readonly eccSingleBitErrorsDegraded: number;
  /** XID codes that mean the hardware, not the application, failed. */
  readonly fatalXids: readonly number[];
}

/**
 * H100/H200 SXM: `nvidia-smi -q` reports a slowdown temperature near 89 °C and shutdown at 92 °C; we stop placing work
 * 4 K below slowdown. Fatal XIDs after NVIDIA's "XID Errors" guide: 48 double-bit ECC, 63/64 row-remapping events,
 * 74 NVLink error, 79 GPU fallen off the bus, 92 high single-bit ECC rate, 94/95 contained/uncontained ECC error,
 * 119/120 GSP errors. Application XIDs (13, 31, 43) are the job's fault and say nothing about the node.
 */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  temperatureDegradedC: 85,
  temperatureUnhealthyC: 89,
  eccSingleBitErrorsDegraded: 100,
  fatalXids: [48, 63, 64, 74, 79, 92, 94, 95, 119, 120],
};

export type NodeHealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthFinding {
  readonly gpu: number;
  readonly severity: Exclude<NodeHealthStatus, 'healthy'>;
  readonly kind: 'temperature' | 'ecc-double-bit' | 'ecc-single-bit' | 'xid';
  readonly detail: string;
}

export interface NodeHealth {
  readonly nodeId: string;
  readonly status: NodeHealthStatus;
  readonly findings: readonly HealthFinding[];
}

function gpuFindings(gpu: GpuHealthSample, t: HealthThresholds): HealthFinding[] {
  const findings: HealthFinding[] = [];
  const add = (severity: HealthFinding['severity'], kind: HealthFinding['kind'], detail: string) =>
    findings.push({ gpu: gpu.index, severity, kind, detail });
  if (gpu.temperatureC >= t.temperatureUnhealthyC) {
    add('unhealthy', 'temperature', `${gpu.temperatureC} °C at or above ${t.temperatureUnhealthyC} °C`);
  } else if (gpu.temperatureC >= t.temperatureDegradedC) {
    add('degraded', 'temperature', `${gpu.temperatureC} °C at or above ${t.temperatureDegradedC} °C`);
  }
  if ((gpu.eccDoubleBitErrors ?? 0) > 0) add('unhealthy', 'ecc-double-bit', `${gpu.eccDoubleBitErrors} DBE`);
  if ((gpu.eccSingleBitErrors ?? 0) >= t.eccSingleBitErrorsDegraded) {
    add('degraded', 'ecc-single-bit', `${gpu.eccSingleBitErrors} SBE, threshold ${t.eccSingleBitErrorsDegraded}`);
  }
  for (const xid of new Set(gpu.xidErrors ?? [])) {
    if (t.fatalXids.includes(xid)) add('unhealthy', 'xid', `XID ${xid}`);
  }
  return findings;
}

/** The worst finding of any GPU decides the node: one bad GPU breaks its tensor-parallel group. */
export function assessNodeHealth(
  sample: NodeHealthSample,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
): NodeHealth {
  const findings = sample.gpus.flatMap((gpu) => gpuFindings(gpu, thresholds));
  const status: NodeHealthStatus = findings.some((f) => f.severity === 'unhealthy')
    ? 'unhealthy'
    : findings.length > 0
      ? 'degraded'
      : 'healthy';
  return { nodeId: sample.nodeId, status, findings };
}

export interface HealthAction {
  readonly nodeId: string;
  readonly action: 'cordon' | 'drain' | 'uncordon';
  readonly reason: string;
}

const HEALTH: CordonSource = 'health';

/**
 * Applies assessments to the inventory: unhealthy nodes drain, degraded ones are cordoned, healthy nodes the health
 * check had cordoned come back. An operator's cordon is never lifted here. Nodes not in the inventory are ignored.
 */
export function applyHealth(
  inventory: GpuInventory,
  assessments: readonly NodeHealth[],
): { inventory: GpuInventory; actions: HealthAction[] } {
  let current = inventory;
  const actions: HealthAction[] = [];
  for (const health of assessments) {
    const node = current.nodes.find((n) => n.nodeId === health.nodeId);
    if (!node) continue;
    const reason = health.findings.map((f) => `gpu ${f.gpu}: ${f.detail}`).join('; ');
    const healthOwned = node.state === 'active' || node.cordonedBy === HEALTH;
    let next: HealthAction | undefined;
    if (health.status === 'unhealthy' && node.state !== 'draining')
      next = { nodeId: node.nodeId, action: 'drain', reason };
    else if (health.status === 'degraded' && node.state === 'active')
      next = { nodeId: node.nodeId, action: 'cordon', reason };
    else if (health.status === 'healthy' && node.state !== 'active' && healthOwned)
      next = { nodeId: node.nodeId, action: 'uncordon', reason: 'healthy again' };
    if (!next || (!healthOwned && next.action !== 'drain')) continue;
    const result =
      next.action === 'drain'
        ? drainNode(current, node.nodeId, reason, node.cordonedBy ?? HEALTH)
        : next.action === 'cordon'
          ? cordonNode(current, node.nodeId, reason, HEALTH)
          : uncordonNode(current, node.nodeId);
    if (result.ok) current = result.inventory;
    actions.push(next);
  }
  return { inventory: current, actions };
}
