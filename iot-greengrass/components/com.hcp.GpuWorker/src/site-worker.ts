import { gpuNodeCommandsTopic, gpuNodesTopic } from '../../../../core/gpu/node-messages.js';
import { SITE_CONFIG_SHADOW } from '../../../../core/iot/shadow-topics.js';
import { marketTopic, siteTopic } from '../../../../core/messages/topics.js';
import { jobCancelSchema, siteJobCancelTopic } from '../../../../core/routing/site-messages.js';
import type { Clock } from '../../../../core/support/clock.js';
import { mqttJobQueue, mqttReportSink } from '../../../adapters/inference/job-queue.js';
import { nodeAgentHttp } from '../../../adapters/inference/node-agent-http.js';
import { dcgmNodeHealth } from '../../../adapters/inference/node-health.js';
import { dcgmNodePower } from '../../../adapters/inference/node-power.js';
import { openAiHttpInference } from '../../../adapters/inference/openai-http.js';
import { namedShadowOverMqtt } from '../../../adapters/messaging/named-shadow.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import type { WorkerNode } from './config.js';
import { GatewayCapacity } from './gateway-capacity.js';
import { GpuWorker } from './gpu-worker.js';
import { PoolServing, type ServedPool } from './pool-serving.js';

export interface SiteWorkerOptions {
  readonly siteId: string;
  readonly nodes: readonly WorkerNode[];
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  /**
   * The clock plans and grid signals are dated by, when not `clock` (the local platform's accelerated simulation
   * clock, while jobs, deadlines and metering run on the wall clock). @default clock
   */
  readonly planClock?: Clock;
  readonly api?: 'completions' | 'chat';
  /** Stream completions with usage in every chunk, so preempted work is handed back with its tokens. @default false */
  readonly stream?: boolean;
  readonly powerSampleMs: number;
  readonly tickMs: number;
  /** How often each node's GPU health is read. @default 5000 */
  readonly healthSampleMs?: number;
  /** The `gpu-nodes` report goes on every change and at least this often. @default 10000 */
  readonly inventoryReportMs?: number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /**
   * Model deployments: the pools that may run on one (from the site-configuration shadow, PoolServing), driven through
   * each node's agent on its inference URL. @default none: each node serves its configured model
   */
  readonly serving?: {
    readonly pools: readonly ServedPool[];
    /** GPUs per node the agent places replicas on. @default each node's `gpuCount` */
    readonly nodeGpus?: number;
    /** GPUs per replica when more than the weights need. @default the smallest group they fit */
    readonly replicaGpus?: number;
    /** @default 2000 */
    readonly stepMs?: number;
    /** The site's settlement point: its relayed real-time price is what a warm-up is charged at. */
    readonly marketNode?: string;
  };
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The worker wired to a site's messaging, as the component runs it and as the local platform and integration tests
 * do: jobs and reports over the site's MQTT topics, capacity from its commands (cloud) and grid signals (local),
 * operators' cordon/drain commands from `gpu-node-commands`, the nodes' inventory and health to `gpu-nodes` (QoS 0),
 * inference over OpenAI-compatible HTTP, energy and health from each node's dcgm-exporter.
 */
export async function startSiteWorker(options: SiteWorkerOptions): Promise<GpuWorker> {
  const installed: Record<string, number> = {};
  for (const n of options.nodes) installed[n.poolId] = (installed[n.poolId] ?? 0) + n.gpuCount;
  const capacity = new GatewayCapacity(options.siteId, installed);
  const { messaging, siteId } = options;
  await messaging.subscribe('cloud', siteTopic(siteId, 'commands'), (_t, p) => capacity.onCommand(parseJson(p)));
  await messaging.subscribe('local', siteTopic(siteId, 'grid'), (_t, p) => capacity.onGridSignal(parseJson(p)));
  let worker: GpuWorker | undefined;
  // Commands arriving before the worker has started find no node state to change: the operator's retry applies them.
  await messaging.subscribe('cloud', gpuNodeCommandsTopic(siteId), (_t, p) => worker?.command(parseJson(p)));
  // A customer's cancellation of a job sent here: a waiting job is dropped, a running one stopped; either ends as a
  // `failed: cancelled by the customer` report, which the cloud records unbilled. Another site's or a malformed one
  // changes nothing.
  await messaging.subscribe('cloud', siteJobCancelTopic(siteId), (_t, p) => {
    const cancel = jobCancelSchema.safeParse(parseJson(p));
    if (cancel.success && cancel.data.siteId === siteId) worker?.cancel(cancel.data.jobId);
  });
  const inference = openAiHttpInference({ api: options.api ?? 'completions', stream: options.stream ?? false });
  const log = options.log ?? (() => {});
  if (options.serving?.marketNode) {
    await messaging.subscribe('cloud', marketTopic(options.serving.marketNode), (_t, p) =>
      capacity.onGridSignal(parseJson(p)),
    );
  }
  const serving = options.serving
    ? await PoolServing.start({
        nodes: options.nodes,
        pools: options.serving.pools,
        agent: nodeAgentHttp(),
        inference,
        clock: options.clock,
        shadow: await namedShadowOverMqtt(messaging, siteId, SITE_CONFIG_SHADOW),
        ...(options.serving.nodeGpus ? { nodeGpus: options.serving.nodeGpus } : {}),
        ...(options.serving.replicaGpus ? { replicaGpus: options.serving.replicaGpus } : {}),
        log,
      })
    : undefined;
  worker = await GpuWorker.start({
    siteId,
    nodes: options.nodes,
    queue: mqttJobQueue(messaging, siteId),
    reports: mqttReportSink(messaging, siteId),
    inference,
    power: dcgmNodePower(),
    clock: options.clock,
    capacity: (nowMs) => capacity.at(options.planClock?.nowMs() ?? nowMs),
    powerSampleMs: options.powerSampleMs,
    tickMs: options.tickMs,
    health: dcgmNodeHealth(),
    ...(options.healthSampleMs ? { healthSampleMs: options.healthSampleMs } : {}),
    inventoryReports: { publish: (payload) => messaging.publish('cloud', gpuNodesTopic(siteId), payload, 0) },
    ...(options.inventoryReportMs ? { inventoryReportMs: options.inventoryReportMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(serving ? { serving, priceUsdPerMwh: () => capacity.priceUsdPerMwh() } : {}),
    ...(options.serving?.stepMs ? { servingStepMs: options.serving.stepMs } : {}),
  });
  return worker;
}
