import { siteForOptimizer } from '../../../core/gpu/capacity.js';
import { inventoryForOptimizer } from '../../../core/gpu/node-messages.js';
import type { Fleet } from '../../../core/model/site.js';
import type { Clock } from '../../../core/support/clock.js';
import type { GpuNodeStore } from '../../shared/data/gpu-node-store.js';
import type { FleetSource } from '../ports.js';

/**
 * A report older than this is not trusted to say which nodes are out: a gateway silent for 15 minutes (three dispatch
 * intervals) is planned as configured, and its plan fails to reach it like any other command would.
 */
export const GPU_NODE_REPORT_MAX_AGE_MS = 15 * 60_000;

/**
 * The fleet as dispatch should plan it: each site whose GPU workers reported recently counts only the GPUs of nodes
 * that take work (cordoned and draining nodes' GPUs are not planned, core/gpu/capacity.ts siteForOptimizer), with
 * the GPUs no report covers kept as configured. Wraps the fleet's configuration source.
 */
export class InventoryFleetSource implements FleetSource {
  constructor(
    private readonly configured: FleetSource,
    private readonly nodes: Pick<GpuNodeStore, 'get'>,
    private readonly clock: Clock,
    private readonly maxAgeMs = GPU_NODE_REPORT_MAX_AGE_MS,
  ) {}

  async load(): Promise<Fleet> {
    const fleet = await this.configured.load();
    const nowMs = this.clock.nowMs();
    const sites = await Promise.all(
      fleet.sites.map(async (site) => {
        if (site.gpuPools.length === 0) return site;
        const stored = await this.nodes.get(site.id);
        if (!stored || nowMs - Date.parse(stored.receivedAt) > this.maxAgeMs) return site;
        return siteForOptimizer(site, inventoryForOptimizer(site, stored.report));
      }),
    );
    return { ...fleet, sites };
  }
}
