import type { GpuNodeReport } from '../../../core/gpu/node-messages.js';
import type { PoolLive } from '../../../core/routing/types.js';
import type { Clock } from '../../../core/support/clock.js';
import type { GpuNodeStore } from '../../shared/data/gpu-node-store.js';
import type { PoolLiveSource } from '../ports.js';

/** A report older than this says nothing about what is warm now (the workers report every 10 s). */
export const POOL_LIVE_MAX_AGE_MS = 5 * 60_000;

/**
 * What the sites' GPU workers last reported, as the router's live view of each pool: the models loaded on nodes that
 * take work (warm, by GPUs) and, since a worker does not load models on demand, the only models the pool can serve.
 * A site without a fresh report is left out: the router then counts every model's warm-up there.
 */
export function poolLiveOf(report: GpuNodeReport): Record<string, PoolLive> {
  const pools: Record<string, PoolLive> = {};
  for (const poolId of new Set(report.nodes.map((n) => n.poolId))) {
    const serving = report.nodes.filter((n) => n.poolId === poolId && n.state === 'active');
    const warmGpusByModel: Record<string, number> = {};
    for (const node of serving) warmGpusByModel[node.modelId] = (warmGpusByModel[node.modelId] ?? 0) + node.gpuCount;
    pools[poolId] = { warmGpusByModel, servableModels: Object.keys(warmGpusByModel) };
  }
  return pools;
}

export class ReportedPoolLive implements PoolLiveSource {
  constructor(
    private readonly store: Pick<GpuNodeStore, 'get'>,
    private readonly clock: Clock,
    private readonly maxAgeMs = POOL_LIVE_MAX_AGE_MS,
  ) {}

  async live(siteId: string): Promise<Readonly<Record<string, PoolLive>>> {
    const stored = await this.store.get(siteId);
    if (!stored || this.clock.nowMs() - Date.parse(stored.receivedAt) > this.maxAgeMs) return {};
    return poolLiveOf(stored.report);
  }
}
