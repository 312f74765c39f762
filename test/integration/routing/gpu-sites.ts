import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Site } from '../../../core/model/site.js';
import { type Clock, systemClock } from '../../../core/support/clock.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import type { WorkerNode } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/config.js';
import type { GpuWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/gpu-worker.js';
import { startSiteWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/site-worker.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { until as untilState } from '../../support/until.js';

/** A reference site cut down to one 16-GPU pool (two 8-GPU nodes), weights already on local NVMe (no warm-up). */
export function smallSite(id: string): Site {
  const site = referenceFleet.sites.find((s) => s.id === id)!;
  return { ...site, gpuPools: [{ ...site.gpuPools[0]!, count: 16, modelWarmupSeconds: 0 }] };
}

/** Polls `check` until it holds, or fails naming `what`; routing runs get 90 s. */
export const until = (what: string, check: () => boolean | Promise<boolean>) =>
  untilState(what, check, { timeoutMs: 90_000 });

/** What the cloud knows about a pool beyond the site model: the warm model, its sequence speed and slots. */
export interface PoolLiveFigures {
  readonly modelId: string;
  readonly warmGpus: number;
  readonly sequenceTokensPerSec: number;
  readonly sequenceSlots: number;
}

export interface GpuSites {
  readonly workers: GpuWorker[];
  /** By `${siteId}/${poolId}`. */
  readonly live: Record<string, PoolLiveFigures>;
  stop(): Promise<void>;
}

/**
 * Virtual GPU nodes for each site (two 8-GPU nodes serving `modelId`, loaded over their HTTP API) and a GpuWorker per
 * site on the broker, as the gateway runs it.
 */
export async function startGpuSites(
  brokerUrl: string,
  sites: readonly Site[],
  options: { readonly modelId: string; readonly slotsPerNode: number; readonly clock?: Clock },
): Promise<GpuSites> {
  const clock = options.clock ?? systemClock;
  const fleets: VirtualFleet[] = [];
  const ports: MessagingPort[] = [];
  const workers: GpuWorker[] = [];
  const live: Record<string, PoolLiveFigures> = {};
  for (const site of sites) {
    const fleet = await startVirtualFleet({
      asics: 0,
      gpuNodes: 2,
      seed: 3,
      clock,
      site,
      gpuAutoTickMs: 20,
    });
    fleets.push(fleet);
    const nodes: WorkerNode[] = fleet.endpoints.map((e) => ({
      nodeId: e.id,
      poolId: e.groupId,
      gpuCount: 8,
      inferenceUrl: `http://${e.address}:${e.port}`,
      metricsUrl: `http://${e.address}:${e.port}/metrics`,
      modelId: options.modelId,
      maxConcurrentJobs: options.slotsPerNode,
    }));
    let sequenceTokensPerSec = 0;
    for (const node of nodes) {
      const load = await fetch(`${node.inferenceUrl}/v1/models/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: options.modelId, tensor_parallel_size: 8 }),
      });
      sequenceTokensPerSec = ((await load.json()) as { perSequenceTokensPerSec: number }).perSequenceTokensPerSec;
    }
    live[`${site.id}/${site.gpuPools[0]!.id}`] = {
      modelId: options.modelId,
      warmGpus: 16,
      sequenceTokensPerSec,
      sequenceSlots: nodes.length * options.slotsPerNode,
    };
    const messaging = await connectMqttPort({ url: brokerUrl, clientId: `${site.id}-gpu-worker` });
    ports.push(messaging);
    workers.push(
      await startSiteWorker({
        siteId: site.id,
        nodes,
        messaging,
        clock,
        powerSampleMs: 100,
        tickMs: 20,
      }),
    );
  }
  return {
    workers,
    live,
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(ports.map((p) => p.close()));
      await Promise.all(fleets.map((f) => f.stop()));
    },
  };
}
