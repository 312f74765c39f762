import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalogOverSeed, versionOf } from '../../core/gpu/model-catalog.js';
import { gpuHardwareIdOf, openModels } from '../../core/gpu/models.js';
import type { Site } from '../../core/model/site.js';
import { siteJobCancelTopic } from '../../core/routing/site-messages.js';
import type { PoolLive } from '../../core/routing/types.js';
import type { PoolServingState } from '../../core/serving/deployment-shadow.js';
import { useLocalJobCancels } from '../../functions/api/workloads/job-cancels.js';
import { placePoolDeployment } from '../../functions/fleet/pool-deployments.js';
import type { SiteConfigPublisher } from '../../functions/fleet/ports.js';
import type { PartnerCredentials } from '../../functions/partners/ports.js';
import { DynamoModelCatalogStore } from '../../functions/shared/data/model-catalog-store.js';
import { DynamoPoolDeploymentStore } from '../../functions/shared/data/pool-deployment-store.js';
import { DynamoWebhookStore } from '../../functions/shared/data/webhook-store.js';
import { connectMqttPort } from '../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';
import type { WorkerNode } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/config.js';
import type { GpuWorker } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/gpu-worker.js';
import type { PoolServing } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/pool-serving.js';
import { startSiteWorker } from '../../iot-greengrass/components/com.hcp.GpuWorker/src/site-worker.js';
import type { DeviceEndpoint } from '../devices/fleet.js';
import { boardSpecFor, perSequenceTokensPerSec } from '../devices/gpu/gpu-specs.js';
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
  /**
   * Model deployments: each pool gets one from the catalog at start (unless one is stored), set in its site's
   * shadow through this publisher, and the site workers run them (replicas loaded, warmed, scaled and rolled by the
   * GpuWorker through the nodes' agent API). @default none: each node loads its model at start and keeps it
   */
  readonly deployments?: { readonly publisher: SiteConfigPublisher };
}

/** GPUs on each virtual node (sim/devices/fleet.ts' default board): one replica holds the whole node. */
const VIRTUAL_NODE_GPUS = 8;

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
  /** Each pool on a deployment: the version it serves, its replicas by version and state, the warm-ups charged. */
  readonly deployments: ReadonlyArray<PoolServingState & { readonly siteId: string; readonly poolId: string }>;
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

/**
 * What a site on deployments tells the router about each pool, read at each routing run: the deployed model (a pool
 * scaled to zero still takes it, warming a replica), the GPUs of its nodes with a ready replica, their per-sequence
 * speed and slots.
 */
function servingLive(site: Site, nodes: readonly WorkerNode[], serving: PoolServing): Record<string, PoolLive> {
  const pools: Record<string, PoolLive> = {};
  for (const pool of site.gpuPools) {
    const mine = nodes.filter((n) => n.poolId === pool.id);
    const modelId = serving.modelOf(pool.id) ?? mine[0]?.modelId;
    const spec = modelId === undefined ? undefined : openModels[modelId];
    if (mine.length === 0 || modelId === undefined || !spec) continue;
    const warm = mine.filter((n) => serving.readyOn(n, modelId));
    pools[pool.id] = {
      servableModels: [modelId],
      warmGpusByModel: { [modelId]: warm.reduce((s, n) => s + n.gpuCount, 0) },
      sequenceTokensPerSecByModel: {
        [modelId]: perSequenceTokensPerSec(spec, boardSpecFor(pool.model), VIRTUAL_NODE_GPUS),
      },
      sequenceSlotsByModel: { [modelId]: mine.reduce((s, n) => s + n.maxConcurrentJobs, 0) },
    };
  }
  return pools;
}

/**
 * Each pool with nodes gets a deployment at start: the one stored (a restart on `--data` keeps it), else the
 * catalog's newest version of the model the pool was given; set in the site's shadow either way.
 */
async function deployAtStart(
  site: Site,
  modelByPool: ReadonlyMap<string, string>,
  deps: { client: DynamoDBDocumentClient; tableName: string; publisher: SiteConfigPublisher; nowMs: number },
): Promise<void> {
  const store = new DynamoPoolDeploymentStore(deps);
  const catalog = catalogOverSeed(await new DynamoModelCatalogStore(deps).list());
  const stored = await store.list(site.id);
  for (const [poolId, modelId] of modelByPool) {
    const kept = stored.find((d) => d.poolId === poolId);
    const entry = kept
      ? catalog.find((m) => m.modelId === kept.modelId && m.version === kept.version)
      : catalog.findLast((m) => m.modelId === modelId);
    if (!entry) continue;
    const deployment = kept ?? {
      siteId: site.id,
      poolId,
      modelId: entry.modelId,
      version: entry.version,
      updatedAt: new Date(deps.nowMs).toISOString(),
      updatedBy: 'platform-start',
    };
    await placePoolDeployment(
      { store, publisher: deps.publisher },
      { site: { id: site.id }, deployment, entry: versionOf(entry) },
    );
  }
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
  const liveBySite = new Map<string, () => Record<string, PoolLive>>();
  const servingBySite = new Map<string, PoolServing>();
  const log = options.log ?? (() => {});
  /** Loads each node's model and starts the site's worker; `siteIndex` picks which of two models its pools serve. */
  const startWorker = async (
    site: Site,
    siteIndex: number,
    endpoints: readonly DeviceEndpoint[],
    unitsPerNode: (poolId: string) => number,
  ): Promise<GpuWorker | undefined> => {
    const nodes: LoadedNode[] = [];
    const deployments = options.deployments;
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
        // On deployments the GpuWorker loads the node; the router's figures come from the replicas (servingLive).
        sequenceTokensPerSec: deployments ? 0 : await loadModel(endpoint, modelId),
      });
    }
    if (nodes.length === 0) return undefined;
    if (deployments) {
      const modelByPool = new Map(nodes.map((n) => [n.poolId, n.modelId]));
      await deployAtStart(site, modelByPool, {
        client: options.client,
        tableName: options.tableName,
        publisher: deployments.publisher,
        nowMs: options.simClock.nowMs(),
      });
    } else {
      const live = poolLive(site, nodes);
      liveBySite.set(site.id, () => live);
    }
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
      // Streamed with usage in every chunk: a preempted job goes back with the tokens it had.
      stream: true,
      log: (event, detail) => {
        if (event.startsWith('deployment')) log(event, { siteId: site.id, ...detail });
      },
      ...(deployments
        ? {
            serving: {
              pools: site.gpuPools
                .filter((p) => nodes.some((n) => n.poolId === p.id))
                .map((p) => ({ poolId: p.id, gpuModel: gpuHardwareIdOf(p.model) ?? p.model, figures: p })),
              nodeGpus: VIRTUAL_NODE_GPUS,
              replicaGpus: VIRTUAL_NODE_GPUS,
              stepMs: 500 / options.simClock.toRealMs(1),
              marketNode: site.marketNode,
            },
          }
        : {}),
    });
    workers.push(worker);
    const serving = worker.serving();
    if (serving) {
      servingBySite.set(site.id, serving);
      const workerNodes = nodes.map(({ sequenceTokensPerSec: _speed, ...node }) => node);
      liveBySite.set(site.id, () => servingLive(site, workerNodes, serving));
    }
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
      live: { live: async (siteId) => liveBySite.get(siteId)?.() ?? {} },
      pollMs: 200,
      log,
      ...(partners ? { partners } : {}),
    });
    const started = routing;
    const models = [
      ...new Set(
        [...liveBySite.values()].flatMap((pools) => Object.values(pools())).flatMap((p) => p.servableModels ?? []),
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
          deployments: [...servingBySite].flatMap(([siteId, serving]) =>
            Object.entries(serving.state()).map(([poolId, state]) => ({ siteId, poolId, ...state })),
          ),
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
