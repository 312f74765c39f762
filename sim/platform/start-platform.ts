import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import type { Site } from '../../core/model/site.js';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import { connectMqttPort } from '../../iot-greengrass/adapters/messaging/mqtt-client.js';
import { startGateway } from '../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../devices/fleet.js';
import { startApiAdapter } from '../local/api-gateway-adapter.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../local/dynamodb-local.js';
import { startControlLoop } from './control-loop.js';
import { type RunningCustomers, startSimulatedCustomers } from './customers.js';
import type { PlatformEvent } from './events.js';
import { type GpuWork, startGpuWork } from './gpu-work.js';
import { type InjectionRequest, type InjectionResult, inject } from './injections.js';
import { startLocalLatestState } from './latest-state.js';
import { type DemoTenant, type LocalApi, loadLocalApi } from './local-api.js';
import { startLocalMqtt } from './local-mqtt.js';
import { localRoutes } from './local-routes.js';
import { openMarketFeed } from './market-feed.js';
import { startMarketReplay } from './market-replay.js';
import { PlatformObserver } from './observer.js';
import { DISPATCH_EVERY_SIM_MS, dispatchEveryRealMs, type PlatformOptions } from './options.js';
import { resumeAtMs, SimClock, saveClock } from './sim-clock.js';

export const LOCAL_TABLE_NAME = 'hcp-local';
/** Virtual GPU nodes carry an HGX board each (sim/devices default). */
const GPUS_PER_NODE = 8;
/** Real time between telemetry polls: a chart point every 2 s whatever the speed. */
const TELEMETRY_POLL_REAL_MS = 2_000;

export interface RunningPlatform {
  readonly endpoints: {
    readonly dynamodb: string;
    readonly mqtt: string;
    /** mosquitto_sub with the operator's certificate, which the platform wrote to its data directory. */
    readonly mosquittoSub: string;
    readonly api: string;
    readonly dashboard: string;
    readonly devices: ReadonlyArray<{ siteId: string; asics: number; gpuNodes: number; firstAsic: string }>;
  };
  readonly clock: SimClock;
  readonly market: string;
  readonly api: LocalApi['available'];
  readonly demo: DemoTenant;
  readonly observer: PlatformObserver;
  readonly customers?: RunningCustomers;
  /** GPU workers, routing and webhooks (absent with `--gpu-nodes 0`). */
  readonly gpuWork?: GpuWork;
  /** Runs one dispatch (market ingestion → OptimizeFlow → SwitchFlows) now. */
  dispatchOnce(): Promise<{ status: string }>;
  inject(request: InjectionRequest): Promise<InjectionResult>;
  stop(): Promise<void>;
}

/** A line for the console per platform event worth a line (market ticks are not). */
export function describeEvent(event: PlatformEvent): string | undefined {
  switch (event.type) {
    case 'dispatch':
      return `dispatch at ${new Date(event.atMs).toISOString()}: OptimizeFlow ${event.status}${event.error ? ` (${event.error})` : ''} in ${event.durationMs} ms`;
    case 'switch':
      return event.source === 'cloud'
        ? `switch ${event.siteId}: ${event.outcome}${event.latencyMs !== undefined ? ` in ${event.latencyMs} ms` : ''}${event.detail ? ` (${event.detail})` : ''}`
        : undefined;
    case 'injection':
      return `injected ${event.kind} (${event.detail}) at ${event.siteIds.join(', ')} until ${new Date(event.untilMs).toISOString()}`;
    case 'market':
      return undefined;
  }
}

/** Each virtual device stands for this many of the site model's units, by group id. */
function unitsPerDevice(site: Site, fleet: VirtualFleet): Array<[string, number]> {
  const devices = (groupId: string) => fleet.endpoints.filter((e) => e.groupId === groupId).length;
  return [
    ...site.asicGroups.map((g): [string, number] => [g.id, g.unitCount / Math.max(1, devices(g.id))]),
    ...site.gpuPools.map((p): [string, number] => [p.id, p.count / Math.max(1, devices(p.id) * GPUS_PER_NODE)]),
  ];
}

/**
 * Starts the local platform in dependency order, reporting each step through `progress`. Whatever started before a
 * failure is stopped again, so a failed start leaves no process behind.
 */
export async function startPlatform(
  options: PlatformOptions,
  progress: (line: string) => void = () => {},
): Promise<RunningPlatform> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const sites = referenceFleet.sites.slice(0, options.sites);
    progress('opening the market…');
    const feed = await openMarketFeed(options, { sites });
    const clock = new SimClock(resumeAtMs(options.data) ?? feed.startMs, options.speed);
    if (options.data) {
      const dir = options.data;
      stops.push(async () => saveClock(dir, clock.nowMs()));
    }

    progress('starting DynamoDB Local…');
    const dynamo = await startDynamoDbLocal(options.data ? { dbPath: `${options.data}/dynamodb` } : {});
    stops.push(dynamo.stop);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.TABLE_NAME = LOCAL_TABLE_NAME;
    // The API handlers build their SDK clients from the environment, as in Lambda; DynamoDB Local takes any key.
    process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
    await ensureTable(localDynamoDbClient(dynamo.endpoint), LOCAL_TABLE_NAME);

    progress('starting the MQTT broker (IoT Core stand-in: mutual TLS, per-identity topic rules)…');
    const mqtt = await startLocalMqtt(options.data);
    stops.push(mqtt.stop);
    const { broker } = mqtt;

    const scale = new Map<string, number>();
    const devices: Array<{ siteId: string; asics: number; gpuNodes: number; firstAsic: string }> = [];
    const gpuNodes: Array<{ siteId: string; endpoints: VirtualFleet['endpoints'] }> = [];
    const gatewayTlsBySite = new Map<string, { key: string; cert: string; ca: string }>();
    const stateRoot = options.data ?? mkdtempSync(path.join(tmpdir(), 'hcp-gateways-'));
    let observer: PlatformObserver | undefined;
    const record = (event: PlatformEvent) => {
      observer?.record(event);
      const line = describeEvent(event);
      if (line) progress(line);
    };
    for (const site of sites) {
      progress(`starting virtual hardware of ${site.id}…`);
      const fleet: VirtualFleet = await startVirtualFleet({
        asics: options.asicsPerSite,
        gpuNodes: options.gpuNodesPerSite,
        seed: options.seed,
        clock,
        site,
      });
      stops.push(fleet.stop);
      for (const [groupId, units] of unitsPerDevice(site, fleet)) scale.set(groupId, units);
      gpuNodes.push({ siteId: site.id, endpoints: fleet.endpoints.filter((e) => e.kind === 'gpu') });
      progress(`onboarding and starting the gateway of ${site.id} (SwitchAgent, Telemetry)…`);
      const gatewayTls = await mqtt.onboardGateway(site.id);
      gatewayTlsBySite.set(site.id, gatewayTls);
      const gateway = await startGateway({
        siteId: site.id,
        site,
        brokerUrl: broker.url,
        tls: gatewayTls,
        devices: fleet.endpoints,
        stateDir: path.join(stateRoot, 'gateways', site.id),
        clock,
        config: {
          // The cloud relays the market at every dispatch (5 simulated minutes): three missed in a row is an outage.
          switchAgent: { heartbeatTimeoutMs: 3 * DISPATCH_EVERY_SIM_MS },
          telemetry: { pollPeriodMs: TELEMETRY_POLL_REAL_MS },
        },
        onSwitch: (cause, accepted, sent) => {
          if (cause.startsWith('command:')) return; // the SwitchFlow reports those
          record({
            type: 'switch',
            atMs: clock.nowMs(),
            siteId: site.id,
            source: 'local',
            cause,
            outcome: accepted === sent ? 'executed' : 'failed',
            ...(accepted === sent ? {} : { detail: `${sent - accepted} of ${sent} devices did not accept` }),
          });
        },
      });
      stops.push(gateway.stop);
      const firstAsic = fleet.endpoints.find((e) => e.kind === 'asic');
      devices.push({
        siteId: site.id,
        asics: options.asicsPerSite,
        gpuNodes: options.gpuNodesPerSite,
        firstAsic: firstAsic ? `${firstAsic.address}:${firstAsic.port}` : '-',
      });
    }

    progress('starting the observer (dashboard data)…');
    const activeObserver = new PlatformObserver({
      sites,
      unitsPerDevice: scale,
      simNowMs: () => clock.nowMs(),
      simMsToRealMs: (simMs) => clock.toRealMs(simMs),
      telemetryStaleRealMs: 5 * TELEMETRY_POLL_REAL_MS,
    });
    observer = activeObserver;
    const listener = await connectAsync(broker.url, {
      clientId: 'hcp-observer',
      reconnectPeriod: 500,
      ...mqtt.observer,
    });
    stops.push(() => listener.endAsync(true));
    listener.on('message', (topic, payload) => activeObserver.handleMessage(topic, payload));
    await listener.subscribeAsync(PlatformObserver.topics, { qos: 0 });

    progress('synthesizing the control flows and starting the local control plane…');
    const control = await startControlLoop({
      dynamoEndpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      brokerUrl: broker.url,
      brokerTls: mqtt.controlPlane,
      fleet: { sites },
      clock,
      market: feed,
      dispatchEveryMs: dispatchEveryRealMs(options),
      onEvent: record,
    });
    stops.push(control.stop);

    const replay = startMarketReplay({
      clock,
      feed,
      ingest: control.ingestMarket,
      onEvent: record,
      onError: (error) => progress(`market replay: ${error.message}`),
    });
    stops.push(replay.stop);
    const injectNow = (request: InjectionRequest) =>
      inject(request, { clock, feed, replay, sites, publish: control.publish, onEvent: record });

    progress('starting the API and the dashboard…');
    const localApi = await loadLocalApi(
      LOCAL_TABLE_NAME,
      createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      control.switchFlows,
    );
    let apiUrl = '';
    const api = await startApiAdapter({
      port: options.port,
      routes: [
        ...localApi.routes,
        ...localRoutes({
          state: () => activeObserver.snapshot(),
          info: () => ({
            apiUrl,
            speed: options.speed,
            market: feed.description,
            available: localApi.available,
            demoApiKey: localApi.demo.apiKey,
          }),
          inject: injectNow,
        }),
      ],
      authorizer: localApi.authorizer,
      ...(localApi.rateLimiter ? { rateLimiter: localApi.rateLimiter } : {}),
    });
    apiUrl = api.url;
    stops.push(api.stop);

    progress('starting the GPU workers and workload routing…');
    const gpuWork = await startGpuWork({
      sites,
      gpuNodes,
      // A virtual node is an 8-GPU board standing for `scale` of the site model's GPUs each.
      unitsPerNode: (_siteId, poolId) => (scale.get(poolId) ?? 1) * GPUS_PER_NODE,
      brokerUrl: broker.url,
      tls: { gateway: (siteId) => gatewayTlsBySite.get(siteId), controlPlane: mqtt.controlPlane },
      client: createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      tableName: LOCAL_TABLE_NAME,
      simClock: clock,
      log: (event, detail) => {
        if (event.endsWith('-failed')) progress(`routing: ${event} ${JSON.stringify(detail)}`);
      },
    });
    stops.push(gpuWork.stop);

    progress('starting the latest-state rules (operator API site views)…');
    const rules = await connectMqttPort({
      url: broker.url,
      clientId: 'hcp-latest-state-rules',
      mqtt: mqtt.controlPlane,
    });
    stops.push(() => rules.close());
    await startLocalLatestState({
      client: createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      tableName: LOCAL_TABLE_NAME,
      siteIds: sites.map((s) => s.id),
      messaging: rules,
      log: (event, detail) => progress(`latest state: ${event} ${JSON.stringify(detail)}`),
    });
    activeObserver.setWorkloadFigures(() => gpuWork.figures());

    let customers: RunningCustomers | undefined;
    if (localApi.available.workloads && options.workloadsPerHour > 0 && gpuWork.models.length > 0) {
      const running = startSimulatedCustomers({
        apiUrl: api.url,
        apiKey: localApi.demo.apiKey,
        clock,
        workloadsPerHour: options.workloadsPerHour,
        modelIds: gpuWork.models,
        seed: options.seed,
      });
      customers = running;
      stops.push(async () => running.stop());
    }

    return {
      endpoints: {
        dynamodb: dynamo.endpoint,
        mqtt: broker.url,
        mosquittoSub: mqtt.operator.mosquittoSub,
        api: api.url,
        dashboard: `${api.url}/`,
        devices,
      },
      clock,
      market: feed.description,
      api: localApi.available,
      demo: localApi.demo,
      observer: activeObserver,
      ...(customers ? { customers } : {}),
      gpuWork,
      dispatchOnce: control.dispatchOnce,
      inject: injectNow,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
