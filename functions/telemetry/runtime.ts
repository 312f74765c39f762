import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { siteTopic } from '../../core/messages/topics.js';
import { cachedRegisteredSites } from '../fleet/registry-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoMarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { DynamoSiteSeriesStore } from '../shared/data/site-series-store.js';
import { createIotDataClient, iotDataEndpointSchema, publishJson } from '../shared/iot-data.js';
import { metrics, traced } from '../shared/powertools.js';
import { DynamoDeviceStateStore } from './adapters/dynamo-device-state.js';
import { DynamoHeldPowerStore } from './adapters/dynamo-held-power.js';
import { DynamoTelemetryMarkStore } from './adapters/dynamo-mark-store.js';
import { FirehoseDeviceSeries, FirehoseRowWriter, FirehoseSiteSeries } from './adapters/firehose-rows.js';
import { PowertoolsTelemetryMetrics } from './adapters/powertools-telemetry-metrics.js';
import { TimestreamDeviceSeries } from './adapters/timestream-device-series.js';
import type { TelemetryIngestDeps } from './ingest.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    IOT_DATA_ENDPOINT: iotDataEndpointSchema,
    /** Which store the stack deployed (stacks/constructs/telemetry-sink.ts), and its names below. */
    TELEMETRY_SINK: z.enum(['iceberg', 'timestream']),
    TELEMETRY_DEVICE_STREAM: z.string().min(1).optional(),
    TELEMETRY_SITE_STREAM: z.string().min(1).optional(),
    TELEMETRY_DATABASE: z.string().min(1).optional(),
    TELEMETRY_TABLE: z.string().min(1).optional(),
  }),
);

type Env = ReturnType<typeof config>;

/** A name the stack's sink needs and did not set stops the start, naming the variable. */
function required(env: Env, name: keyof Env): string {
  const value = env[name];
  if (!value) throw new Error(`invalid configuration: ${name}: required with TELEMETRY_SINK=${env.TELEMETRY_SINK}`);
  return value;
}

/**
 * The series writers of the sink the stack deployed: Firehose streams (Iceberg; the site rows with each site's held
 * power in the table, for their money) or Timestream (device series only).
 */
function seriesWriters(
  env: Env,
  table: { client: DynamoDBDocumentClient; tableName: string },
): Pick<TelemetryIngestDeps, 'series' | 'siteSeries'> {
  if (env.TELEMETRY_SINK === 'iceberg') {
    const client = traced(new FirehoseClient({}));
    const rows = (name: keyof Env) => new FirehoseRowWriter({ client, streamName: required(env, name) });
    return {
      series: new FirehoseDeviceSeries(rows('TELEMETRY_DEVICE_STREAM')),
      siteSeries: {
        rows: new FirehoseSiteSeries(rows('TELEMETRY_SITE_STREAM')),
        held: new DynamoHeldPowerStore(table),
      },
    };
  }
  return {
    series: new TimestreamDeviceSeries({
      client: traced(new TimestreamWriteClient({})),
      databaseName: required(env, 'TELEMETRY_DATABASE'),
      tableName: required(env, 'TELEMETRY_TABLE'),
    }),
  };
}

/** The market snapshot changes every few minutes; re-reading it per batch would double the table reads. */
const MARKET_CACHE_MS = 60_000;

let deps: TelemetryIngestDeps | undefined;

export function telemetryRuntime(): TelemetryIngestDeps {
  if (deps) return deps;
  const env = config();
  const { TABLE_NAME, IOT_DATA_ENDPOINT } = env;
  const iotData = createIotDataClient(IOT_DATA_ENDPOINT);
  const client = documentClient();
  const market = new DynamoMarketSnapshotStore({ client, tableName: TABLE_NAME });
  let cached: { atMs: number; value: Awaited<ReturnType<typeof market.latest>> } | undefined;
  const registered = cachedRegisteredSites(new DynamoSiteRegistryStore({ client, tableName: TABLE_NAME }));
  deps = {
    devices: new DynamoDeviceStateStore({ client, tableName: TABLE_NAME }),
    ...seriesWriters(env, { client, tableName: TABLE_NAME }),
    metrics: new PowertoolsTelemetryMetrics(metrics),
    // One item per batch: what the grid events' M&V evidence reads (a Timestream query reader could replace it).
    evidenceSeries: new DynamoSiteSeriesStore({ client, tableName: TABLE_NAME }),
    marks: {
      store: new DynamoTelemetryMarkStore({ client, tableName: TABLE_NAME }),
      // QoS 1: a lost mark is only a delay (the next batch's mark covers it, or the gateway re-sends).
      acks: { publish: (ack) => publishJson(iotData, siteTopic(ack.siteId, 'telemetry-acks'), ack, 1) },
    },
    // The registered sites' models (retired ones are not summarized), re-read every minute.
    siteModel: async (siteId) => (await registered()).sites.find((s) => s.id === siteId),
    latestMarket: async () => {
      if (!cached || Date.now() - cached.atMs > MARKET_CACHE_MS)
        cached = { atMs: Date.now(), value: await market.latest() };
      return cached.value;
    },
  };
  return deps;
}
