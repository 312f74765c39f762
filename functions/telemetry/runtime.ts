import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoMarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import { metrics, traced } from '../shared/powertools.js';
import { DynamoDeviceStateStore } from './adapters/dynamo-device-state.js';
import { PowertoolsTelemetryMetrics } from './adapters/powertools-telemetry-metrics.js';
import { TimestreamDeviceSeries } from './adapters/timestream-device-series.js';
import type { TelemetryIngestDeps } from './ingest.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    TELEMETRY_DATABASE: z.string().min(1),
    TELEMETRY_TABLE: z.string().min(1),
  }),
);

/** The market snapshot changes every few minutes; re-reading it per batch would double the table reads. */
const MARKET_CACHE_MS = 60_000;

let deps: TelemetryIngestDeps | undefined;

export function telemetryRuntime(): TelemetryIngestDeps {
  if (deps) return deps;
  const { TABLE_NAME, TELEMETRY_DATABASE, TELEMETRY_TABLE } = config();
  const client = documentClient();
  const market = new DynamoMarketSnapshotStore({ client, tableName: TABLE_NAME });
  let cached: { atMs: number; value: Awaited<ReturnType<typeof market.latest>> } | undefined;
  deps = {
    devices: new DynamoDeviceStateStore({ client, tableName: TABLE_NAME }),
    series: new TimestreamDeviceSeries({
      client: traced(new TimestreamWriteClient({})),
      databaseName: TELEMETRY_DATABASE,
      tableName: TELEMETRY_TABLE,
    }),
    metrics: new PowertoolsTelemetryMetrics(metrics),
    // The deployed sites' models: the reference fleet, as in the optimizer's and the routing runtimes.
    siteModel: (siteId) => referenceFleet.sites.find((s) => s.id === siteId),
    latestMarket: async () => {
      if (!cached || Date.now() - cached.atMs > MARKET_CACHE_MS)
        cached = { atMs: Date.now(), value: await market.latest() };
      return cached.value;
    },
  };
  return deps;
}
