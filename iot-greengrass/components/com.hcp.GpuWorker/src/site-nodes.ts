import type { GatewayConfig } from '../../../../core/fleet/site-config.js';
import { devicesOf } from '../../../adapters/configured-devices.js';
import type { GpuWorkerConfig, WorkerNode } from './config.js';

/**
 * The GPU nodes the worker drives, from the site configuration (the registry's, through the `hcp-site-config`
 * shadow): each endpoint of each pool (ids as the SwitchAgent's, `<pool>-<n>`), serving the pool's first served
 * model, with the pool's GPUs per node. A pool that serves nothing is left out. The recipe holds only how nodes are
 * reached (the metrics port) and the worker's own settings.
 */
export function workerNodesOf(site: GatewayConfig, settings: GpuWorkerConfig): WorkerNode[] {
  const pools = new Map(site.gpuPools.map((pool) => [pool.id, pool]));
  return devicesOf(site)
    .filter((device) => device.kind === 'gpu')
    .flatMap((device) => {
      const pool = pools.get(device.groupId)!;
      const modelId = pool.servedModels[0];
      if (modelId === undefined) return [];
      return [
        {
          nodeId: device.id,
          poolId: pool.id,
          gpuCount: pool.gpusPerNode,
          inferenceUrl: `http://${device.address}:${device.port}`,
          metricsUrl: `http://${device.address}:${settings.metricsPort}/metrics`,
          modelId,
          maxConcurrentJobs: settings.maxConcurrentJobsPerNode,
        },
      ];
    });
}
