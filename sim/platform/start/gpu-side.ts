import type { Site } from '../../../core/model/site.js';
import type { RegisteredFleet } from '../../../functions/fleet/registry-fleet.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { RunningDynamoDbLocal } from '../../local/dynamodb-local.js';
import { ShadowSiteConfigPublisher } from '../../local/shadow-site-config-publisher.js';
import { type RunningCustomers, startSimulatedCustomers } from '../customers.js';
import { type GpuWork, type GpuWorkOptions, startGpuWork } from '../gpu-work.js';
import { startLocalLatestState } from '../latest-state.js';
import type { LocalApi } from '../local-api.js';
import type { LocalMqtt } from '../local-mqtt.js';
import { startLocalSwitchLog } from '../local-switch-log.js';
import type { PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import type { RunningSites } from './sites.js';
import { GPUS_PER_NODE } from './sites.js';
import { LOCAL_TABLE_NAME, localDocumentClient } from './stand-ins.js';
import type { Stops } from './stops.js';

export interface GpuSideOptions {
  /** The sites with virtual hardware: a GpuWorker each. */
  readonly sites: readonly Site[];
  /** The registry, as the router reads it at each run: a site registered through the API is routed to. */
  readonly registered: () => Promise<Pick<RegisteredFleet, 'sites' | 'draining'>>;
  readonly hardware: RunningSites;
  readonly clock: SimClock;
  readonly dynamo: RunningDynamoDbLocal;
  /** The broker, the control plane's identity and each site's gateway identity (its GPU worker shares it). */
  readonly mqtt: LocalMqtt;
  readonly progress: (line: string) => void;
  /** Partner clouds for work no site can run in time (./partner.ts). @default none */
  readonly partners?: GpuWorkOptions['partners'];
}

/**
 * Step 8, the GPU side: a GpuWorker per site on its virtual GPU nodes, and the cloud's workload routing on DynamoDB
 * Local (router, job reports, per-site queues, customer webhooks).
 */
export async function startGpuSide(o: GpuSideOptions, stops: Stops): Promise<GpuWork> {
  const gpuWork = await startGpuWork({
    sites: o.sites,
    routedSites: o.registered,
    gpuNodes: o.hardware.gpuNodes,
    // A virtual node is an 8-GPU board standing for `unitsPerDevice` of the site model's nodes each.
    unitsPerNode: (_siteId, poolId) => (o.hardware.unitsPerDevice.get(poolId) ?? 1) * GPUS_PER_NODE,
    brokerUrl: o.mqtt.broker.url,
    tls: { gateway: (siteId) => o.mqtt.gatewayTls(siteId), controlPlane: o.mqtt.controlPlane },
    client: localDocumentClient(o.dynamo),
    tableName: LOCAL_TABLE_NAME,
    simClock: o.clock,
    ...(o.partners ? { partners: o.partners } : {}),
    // Each pool's model from the catalog, rolled and scaled by the site's GpuWorker through the nodes' agents.
    deployments: { publisher: new ShadowSiteConfigPublisher(o.mqtt.shadows) },
    log: (event, detail) => {
      if (event.endsWith('-failed')) o.progress(`routing: ${event} ${JSON.stringify(detail)}`);
    },
  });
  stops.push(gpuWork.stop);
  return gpuWork;
}

/** Step 9, the IoT latest-state rules' stand-in, which feeds the operator API's site views. */
export async function startLatestStateRules(
  o: Pick<GpuSideOptions, 'dynamo' | 'mqtt' | 'progress' | 'clock'>,
  stops: Stops,
): Promise<void> {
  const rules = await connectMqttPort({
    url: o.mqtt.broker.url,
    clientId: 'hcp-latest-state-rules',
    mqtt: o.mqtt.controlPlane,
  });
  stops.push(() => rules.close());
  await startLocalLatestState({
    client: localDocumentClient(o.dynamo),
    tableName: LOCAL_TABLE_NAME,
    messaging: rules,
    clock: o.clock,
    log: (event, detail) => o.progress(`latest state: ${event} ${JSON.stringify(detail)}`),
  });
  // The gateways' own switches into the sites' switch history, as the IoT rule on the events topics does in AWS.
  await startLocalSwitchLog({
    client: localDocumentClient(o.dynamo),
    tableName: LOCAL_TABLE_NAME,
    messaging: rules,
    log: (event, detail) => o.progress(`switch log: ${event} ${JSON.stringify(detail)}`),
  });
}

/**
 * Step 10, the demo tenant's simulated customers submitting workloads through the API; none without the workload
 * API, with `--workloads-per-hour 0`, or without a model served.
 */
export function startCustomers(
  o: {
    readonly options: PlatformOptions;
    readonly clock: SimClock;
    readonly apiUrl: string;
    readonly localApi: LocalApi;
    readonly models: readonly string[];
  },
  stops: Stops,
): RunningCustomers | undefined {
  if (!o.localApi.available.workloads || o.options.workloadsPerHour <= 0 || o.models.length === 0) return undefined;
  const customers = startSimulatedCustomers({
    apiUrl: o.apiUrl,
    apiKey: o.localApi.demo.apiKey,
    clock: o.clock,
    workloadsPerHour: o.options.workloadsPerHour,
    modelIds: o.models,
    seed: o.options.seed,
  });
  stops.push(async () => customers.stop());
  return customers;
}
