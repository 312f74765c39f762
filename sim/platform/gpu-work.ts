import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Site } from '../../core/model/site.js';
import { siteJobCancelTopic } from '../../core/routing/site-messages.js';
import type { PoolLive } from '../../core/routing/types.js';
import { useLocalJobCancels } from '../../functions/api/workloads/job-cancels.js';
import type { PartnerCredentials } from '../../functions/partners/ports.js';
import { DynamoWebhookStore } from '../../functions/shared/data/webhook-store.js';
import { connectMqttPort } from '../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';
import type { WorkerNode } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/config.js';
import type { GpuWorker } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/gpu-worker.js';
import { startSiteWorker } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/site-worker.js';
import type { DeviceEndpoint } from '../devices/fleet.js';
import { startLocalGpuNodes } from './gpu-nodes.js';
import { createLocalWorkloadEvents, type LocalWorkloadEvents } from './local-webhook-events.js';
import { type LocalPartnerOverflow, startLocalPartnerOverflow } from './partner-overflow.js';
import type { SimClock } from './sim-clock.js';
import { type LocalRouting, type LocalRoutingOptions, startLocalRouting } from './workload-routing.js';

/** Sequences one inference server decodes at once (vLLM's max_num_seqs is larger; this keeps the demo's queues visible). */
const SLOTS_PER_NODE = 8;

export interface GpuWorkOptions {
  /** The sites with virtual GPU nodes: a GpuWorker each. */
  readonly sites: readonly Site[];
  /** What the router routes to. @default `sites` (the platform passes the registry: startLocalRouting) */
  readonly routedSites?: LocalRoutingOptions['sites'];
  /** Each site's virtual GPU nodes, and how many of the site model's GPUs one node stands for. */
  readonly gpuNodes: ReadonlyArray<{ readonly siteId: string; readonly endpoints: readonly DeviceEndpoint[] }>;
  readonly unitsPerNode: (siteId: string, poolId: string) => number;
  readonly brokerUrl: string;
  /** TLS material for an `mqtts://` broker: each site worker's gateway identity, and the control plane's. */
  readonly tls?: {
    readonly gateway: (siteId: string) => TlsMaterial | undefined;
    readonly controlPlane: TlsMaterial;
  };
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly simClock: SimClock;
  /** Partner clouds for work no site can run in time, with the stand-in for their keys. @default none */
  readonly partners?: { readonly credentials: PartnerCredentials };
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

export interface GpuWorkFigures {
  /** Jobs handed to sites and not yet started, and running now. */
  readonly queueDepth: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly preemptions: number;
  readonly webhookDeliveries: number;
  /** Models the virtual nodes serve: what the simulated customers ask for. */
  readonly models: readonly string[];
  /** Attempts sent to partner clouds and how they ended; the partners' share of the jobs completed. */
  readonly partner: {
    readonly sent: number;
    readonly completed: number;
    readonly failed: number;
    readonly shareOfCompleted: number;
  };
}

export interface GpuWork {
  readonly routing: LocalRouting;
  readonly workers: readonly GpuWorker[];
  /**
   * A GpuWorker for a site that came up after the start (registered through the API), on its virtual GPU nodes;
   * its pools' live view goes to the router. Resolves to the worker, or undefined when no node serves a model.
   */
  addSite(site: Site, endpoints: readonly DeviceEndpoint[], unitsPerNode: number): Promise<GpuWorker | undefined>;
  readonly events: LocalWorkloadEvents;
  /** The partner runner, when the platform has partners. */
  readonly partners?: LocalPartnerOverflow;
  readonly models: readonly string[];
  figures(): GpuWorkFigures;
  stop(): Promise<void>;
}

interface LoadedNode extends WorkerNode {
  readonly sequenceTokensPerSec: number;
}

/** Loads one model on a virtual node through its HTTP API, the way an operator's vLLM launch would. */
async function loadModel(endpoint: DeviceEndpoint, modelId: string): Promise<number> {
  const response = await fetch(`http://${endpoint.address}:${endpoint.port}/v1/models/load`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: modelId, tensor_parallel_size: 8 }),
  });
  if (!response.ok) throw new Error(`${endpoint.id}: loading ${modelId} answered ${response.status}`);
  return ((await response.json()) as { perSequenceTokensPerSec: number }).perSequenceTokensPerSec;
}

/** What the site's workers tell the router about each pool: the models loaded, their speed, their slots. */
function poolLive(site: Site, nodes: readonly LoadedNode[]): Record<string, PoolLive> {
  const pools: Record<string, PoolLive> = {};
  // A pool without a virtual node serves nothing here.
  for (const poolId of site.gpuPools.map((p) => p.id)) {
    const mine = nodes.filter((n) => n.poolId === poolId);
    const models = [...new Set(mine.map((n) => n.modelId))];
    const per = (f: (ns: LoadedNode[]) => number) =>
      Object.fromEntries(models.map((m) => [m, f(mine.filter((n) => n.modelId === m))]));
    pools[poolId] = {
      servableModels: models,
      warmGpusByModel: per((ns) => ns.reduce((s, n) => s + n.gpuCount, 0)),
      sequenceTokensPerSecByModel: per((ns) => Math.min(...ns.map((n) => n.sequenceTokensPerSec))),
      sequenceSlotsByModel: per((ns) => ns.reduce((s, n) => s + n.maxConcurrentJobs, 0)),
    };
  }
  return pools;
}

/**
 * The GPU side of `npm start`: each pool's virtual nodes load one of its models (sites alternate between two), a GpuWorker per site takes that site's jobs over the broker, and the cloud's routing (router, site
 * queues, job reports, webhooks) runs on DynamoDB Local. Everything runs on the platform's (simulated) clock: jobs,
 * deadlines and metering as the API, plans and grid signals do (webhook signatures alone carry wall time: a receiver
 * checks them against its own clock).
 */
export async function startGpuWork(options: GpuWorkOptions): Promise<GpuWork> {
  const ports: MessagingPort[] = [];
  const workers: GpuWorker[] = [];
  const liveBySite = new Map<string, Record<string, PoolLive>>();
  const log = options.log ?? (() => {});
  /** Loads each node's model and starts the site's worker; `siteIndex` picks which of two models its pools serve. */
  const startWorker = async (
    site: Site,
    siteIndex: number,
    endpoints: readonly DeviceEndpoint[],
    unitsPerNode: (poolId: string) => number,
  ): Promise<GpuWorker | undefined> => {
    const nodes: LoadedNode[] = [];
    for (const endpoint of endpoints) {
      const pool = site.gpuPools.find((p) => p.id === endpoint.groupId);
      const models = Object.keys(pool?.throughputTokensPerSecByModel ?? {});
      if (!pool || models.length === 0) continue;
      // One model per pool, so whichever nodes the plan keeps serve it; sites take turns among the models.
      const modelId = models[(siteIndex + site.gpuPools.indexOf(pool)) % Math.min(2, models.length)]!;
      nodes.push({
        nodeId: endpoint.id,
        poolId: pool.id,
        gpuCount: Math.max(1, Math.round(unitsPerNode(pool.id))),
        inferenceUrl: `http://${endpoint.address}:${endpoint.port}`,
        metricsUrl: `http://${endpoint.address}:${endpoint.port}/metrics`,
        modelId,
        maxConcurrentJobs: SLOTS_PER_NODE,
        sequenceTokensPerSec: await loadModel(endpoint, modelId),
      });
    }
    if (nodes.length === 0) return undefined;
    liveBySite.set(site.id, poolLive(site, nodes));
    // On Greengrass the worker shares the core's identity; here it is a second connection with the site's certificate.
    const siteTls = options.tls?.gateway(site.id);
    const messaging = await connectMqttPort({
      url: options.brokerUrl,
      clientId: `${site.id}#gpu-worker`,
      ...(siteTls ? { mqtt: siteTls } : {}),
    });
    ports.push(messaging);
    const worker = await startSiteWorker({
      siteId: site.id,
      nodes: nodes.map(({ sequenceTokensPerSec: _speed, ...node }) => node),
      messaging,
      clock: options.simClock,
      // Twice a real second whatever the speed (the worker's periods are read on its clock).
      powerSampleMs: 500 / options.simClock.toRealMs(1),
      tickMs: 50,
    });
    workers.push(worker);
    return worker;
  };
  try {
    for (const [siteIndex, site] of options.sites.entries()) {
      const endpoints = options.gpuNodes.find((g) => g.siteId === site.id)?.endpoints ?? [];
      await startWorker(site, siteIndex, endpoints, (poolId) => options.unitsPerNode(site.id, poolId));
    }
    const cloud = await connectMqttPort({
      url: options.brokerUrl,
      clientId: 'hcp-cloud-routing',
      ...(options.tls ? { mqtt: options.tls.controlPlane } : {}),
    });
    ports.push(cloud);
    // The GPU nodes' reports kept for the operator API, and its cordon/drain commands published to the sites.
    useLocalJobCancels({
      publish: (cancel) => cloud.publish('cloud', siteJobCancelTopic(cancel.siteId), JSON.stringify(cancel), 1),
    });
    const gpuNodes = await startLocalGpuNodes({
      messaging: cloud,
      clock: options.simClock,
      client: options.client,
      tableName: options.tableName,
      log,
    });
    const events = createLocalWorkloadEvents({
      webhooks: new DynamoWebhookStore({ client: options.client, tableName: options.tableName }),
    });
    let routing: LocalRouting | undefined;
    const partners: LocalPartnerOverflow | undefined = options.partners
      ? startLocalPartnerOverflow({
          client: options.client,
          tableName: options.tableName,
          clock: options.simClock,
          events,
          credentials: options.partners.credentials,
          onRequeued: () => void routing?.kick(),
          log,
        })
      : undefined;
    routing = await startLocalRouting({
      client: options.client,
      tableName: options.tableName,
      sites: options.routedSites ?? options.sites,
      messaging: cloud,
      clock: options.simClock,
      events,
      live: { live: async (siteId) => liveBySite.get(siteId) ?? {} },
      pollMs: 200,
      log,
      ...(partners ? { partners } : {}),
    });
    const started = routing;
    const models = [
      ...new Set(
        [...liveBySite.values()].flatMap((pools) => Object.values(pools)).flatMap((p) => p.servableModels ?? []),
      ),
    ];
    return {
      routing: started,
      workers,
      events,
      ...(partners ? { partners } : {}),
      models,
      addSite: (site, endpoints, unitsPerNode) => startWorker(site, workers.length, endpoints, () => unitsPerNode),
      figures() {
        const views = workers.map((w) => w.view());
        const effects = started.reports.map((r) => (r.ok ? r.effect : 'refused'));
        const atPartner = partners?.outcomes.map((o) => o.outcome.kind) ?? [];
        const partnerCompleted = atPartner.filter((k) => k === 'completed').length;
        const siteCompleted = effects.filter((e) => e === 'completed').length;
        return {
          queueDepth: views.reduce((s, v) => s + v.pending, 0),
          running: views.reduce((s, v) => s + v.running, 0),
          completed: effects.filter((e) => e === 'completed').length,
          failed: effects.filter((e) => e === 'failed').length,
          preemptions: effects.filter((e) => e === 'requeued').length,
          webhookDeliveries: events.deliveries().filter((d) => d.status === 'delivered').length,
          models,
          partner: {
            sent: atPartner.length + (partners?.running() ?? 0),
            completed: partnerCompleted,
            failed: atPartner.filter((k) => k === 'requeued' || k === 'failed').length,
            shareOfCompleted:
              partnerCompleted + siteCompleted > 0 ? partnerCompleted / (partnerCompleted + siteCompleted) : 0,
          },
        };
      },
      async stop() {
        gpuNodes.stop();
        useLocalJobCancels(undefined);
        await started.stop();
        await partners?.stop();
        events.close();
        await Promise.all(workers.map((w) => w.stop()));
        await Promise.all(ports.map((p) => p.close()));
      },
    };
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(ports.map((p) => p.close()));
    throw error;
  }
}
