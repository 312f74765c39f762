import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { handler as healthHandler } from '../../functions/api/health.js';
import { startGateway } from '../../iot-greengrass/gateway.js';
import { realTimeClock } from '../devices/clock.js';
import { startVirtualFleet, type VirtualFleet } from '../devices/fleet.js';
import { startApiAdapter } from '../local/api-gateway-adapter.js';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { startMqttBroker } from '../local/mqtt-broker.js';
import { startControlLoop } from './control-loop.js';
import type { PlatformOptions } from './options.js';

export const LOCAL_TABLE_NAME = 'hcp-local';

export interface RunningPlatform {
  readonly endpoints: {
    readonly dynamodb: string;
    readonly mqtt: string;
    readonly api: string;
    readonly devices: ReadonlyArray<{ siteId: string; asics: number; gpuNodes: number; firstAsic: string }>;
  };
  /** Runs one dispatch (market ingestion → OptimizeFlow → SwitchFlows) now. */
  dispatchOnce(): Promise<{ status: string }>;
  stop(): Promise<void>;
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
    progress('starting DynamoDB Local…');
    const dynamo = await startDynamoDbLocal(options.data ? { dbPath: `${options.data}/dynamodb` } : {});
    stops.push(dynamo.stop);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.TABLE_NAME = LOCAL_TABLE_NAME;
    await ensureTable(localDynamoDbClient(dynamo.endpoint), LOCAL_TABLE_NAME);

    progress('starting the MQTT broker (IoT Core stand-in)…');
    const broker = await startMqttBroker();
    stops.push(broker.stop);

    const devices: Array<{ siteId: string; asics: number; gpuNodes: number; firstAsic: string }> = [];
    const stateRoot = options.data ?? mkdtempSync(path.join(tmpdir(), 'hcp-gateways-'));
    const sites = referenceFleet.sites.slice(0, options.sites);
    for (const site of sites) {
      progress(`starting virtual hardware of ${site.id}…`);
      const fleet: VirtualFleet = await startVirtualFleet({
        asics: options.asicsPerSite,
        gpuNodes: options.gpuNodesPerSite,
        seed: options.seed,
        clock: realTimeClock,
        site,
      });
      stops.push(fleet.stop);
      progress(`starting the gateway of ${site.id} (SwitchAgent, Telemetry)…`);
      const gateway = await startGateway({
        siteId: site.id,
        site,
        brokerUrl: broker.url,
        devices: fleet.endpoints,
        stateDir: path.join(stateRoot, 'gateways', site.id),
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

    progress('synthesizing the control flows and starting the local control plane…');
    const control = await startControlLoop({
      dynamoEndpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      brokerUrl: broker.url,
      fleet: { sites },
      seed: options.seed,
      dispatchEveryMs: options.dispatchSeconds * 1000,
      onEvent: (line) => progress(line),
    });
    stops.push(control.stop);

    progress('starting the API…');
    const api = await startApiAdapter({
      port: options.port,
      routes: [{ method: 'GET', resource: '/v1/health', handler: healthHandler, public: true }],
    });
    stops.push(api.stop);

    return {
      endpoints: { dynamodb: dynamo.endpoint, mqtt: broker.url, api: api.url, devices },
      dispatchOnce: control.dispatchOnce,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
