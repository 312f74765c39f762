import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { handler as healthHandler } from '../../functions/api/health.js';
import { realTimeClock } from '../devices/clock.js';
import { startVirtualFleet, type VirtualFleet } from '../devices/fleet.js';
import { startApiAdapter } from '../local/api-gateway-adapter.js';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { startMqttBroker } from '../local/mqtt-broker.js';
import type { PlatformOptions } from './options.js';

export const LOCAL_TABLE_NAME = 'hcp-local';

export interface RunningPlatform {
  readonly endpoints: {
    readonly dynamodb: string;
    readonly mqtt: string;
    readonly api: string;
    readonly devices: ReadonlyArray<{ siteId: string; asics: number; gpuNodes: number; firstAsic: string }>;
  };
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
    for (const site of referenceFleet.sites.slice(0, options.sites)) {
      progress(`starting virtual hardware of ${site.id}…`);
      const fleet: VirtualFleet = await startVirtualFleet({
        asics: options.asicsPerSite,
        gpuNodes: options.gpuNodesPerSite,
        seed: options.seed,
        clock: realTimeClock,
        site,
      });
      stops.push(fleet.stop);
      const firstAsic = fleet.endpoints.find((e) => e.kind === 'asic');
      devices.push({
        siteId: site.id,
        asics: options.asicsPerSite,
        gpuNodes: options.gpuNodesPerSite,
        firstAsic: firstAsic ? `${firstAsic.address}:${firstAsic.port}` : '-',
      });
    }

    progress('starting the API…');
    const api = await startApiAdapter({
      port: options.port,
      routes: [{ method: 'GET', resource: '/v1/health', handler: healthHandler, public: true }],
    });
    stops.push(api.stop);

    return {
      endpoints: { dynamodb: dynamo.endpoint, mqtt: broker.url, api: api.url, devices },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
