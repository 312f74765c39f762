import { z } from 'zod';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../core/market-data/series.js';
import type { Fleet } from '../../core/model/site.js';
import { systemClock } from '../../core/support/clock.js';
import calibration from '../../core/synthetic/calibration/ercot-hb-south.json' with { type: 'json' };
import { calibrationSchema } from '../../core/synthetic/calibration.js';
import { fleetFromRegistry } from '../fleet/registry-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoMarketHistoryStore } from '../shared/data/market-history-store.js';
import { DynamoMarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { logger, metrics } from '../shared/powertools.js';
import { CsvMarketSource } from './adapters/csv-source.js';
import { ErcotApiPriceFeed } from './adapters/ercot-api-feed.js';
import { ErcotPublicApiClient } from './adapters/ercot-public-api.js';
import { ErcotRtmMarketSource } from './adapters/ercot-source.js';
import { pricingEveryMarketNode } from './adapters/every-market-node.js';
import { IotSignalPublisher } from './adapters/iot-signal-publisher.js';
import { MempoolSpaceHashprice, withHashprice } from './adapters/mempool-hashprice.js';
import { PowertoolsMarketMetrics } from './adapters/powertools-market-metrics.js';
import { createS3Client, S3ObjectReader } from './adapters/s3-object-reader.js';
import { createSecretsManagerClient, SecretsManagerErcotCredentials } from './adapters/secrets-manager-credentials.js';
import { WeeklySyntheticMarketSource } from './adapters/weekly-synthetic-source.js';
import type { MarketDataSource } from './ports.js';

const nodeListSchema = z
  .string()
  .transform((text) => text.split(',').map((node) => node.trim()))
  .pipe(z.array(z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/)).min(1));

const config = configGetter(
  z
    .object({
      TABLE_NAME: z.string().min(1),
      IOT_DATA_ENDPOINT: iotDataEndpointSchema,
      /** Which source feeds dispatch; see sourceFor. */
      MARKET_SOURCE: z.enum(['stored', 'synthetic', 'csv', 'ercot']).default('synthetic'),
      SYNTHETIC_SEED: z.coerce.number().int().nonnegative().default(1),
      /** Settlement points to ingest. @default the registered sites' market nodes */
      MARKET_NODES: nodeListSchema.optional(),
      /** `ercot`: ARN of the secret holding the API credentials (README, "ERCOT market source"). */
      ERCOT_SECRET_ARN: z.string().min(1).optional(),
      /** `csv`: the bucket and its objects: price CSV per node as JSON `{"HB_WEST": "key", ...}`, daily hashprice. */
      MARKET_CSV_BUCKET: z.string().min(1).optional(),
      MARKET_CSV_PRICE_KEYS: z
        .string()
        .transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'is not JSON' });
            return z.NEVER;
          }
        })
        .pipe(z.record(z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/), z.string().min(1)))
        .optional(),
      MARKET_CSV_HASHPRICE_KEY: z.string().min(1).optional(),
      /** `csv`: an hourly ERCOT system-load CSV, replayed into the market history for the 4CP forecast. */
      MARKET_CSV_SYSTEM_LOAD_KEY: z.string().min(1).optional(),
      /** `csv`: hourly DAM capacity prices (AS MCPC), replayed into the market history for ancillary offers. */
      MARKET_CSV_AS_KEY: z.string().min(1).optional(),
      MARKET_CSV_GPU_SPOT_USD_PER_GPU_HOUR: z.coerce.number().nonnegative().default(2),
    })
    .superRefine((env, ctx) => {
      const need = (name: keyof typeof env, when: string) => {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required with ${when}` });
      };
      if (env.MARKET_SOURCE === 'ercot') need('ERCOT_SECRET_ARN', 'MARKET_SOURCE=ercot');
      if (env.MARKET_SOURCE === 'csv') {
        need('MARKET_CSV_BUCKET', 'MARKET_SOURCE=csv');
        need('MARKET_CSV_PRICE_KEYS', 'MARKET_SOURCE=csv');
        need('MARKET_CSV_HASHPRICE_KEY', 'MARKET_SOURCE=csv');
      }
    }),
);
type MarketConfig = ReturnType<typeof config>;

/** The settlement points of the registered sites: the nodes the ERCOT feed keeps. */
const fleetNodes = (fleet: Fleet) => [...new Set(fleet.sites.map((site) => site.marketNode))];

function syntheticSource(seed: number, fleet: Fleet): MarketDataSource {
  return new WeeklySyntheticMarketSource({ calibration: calibrationSchema.parse(calibration), fleet, seed });
}

/**
 * `synthetic` (the default) runs the seeded generator week by week, its calibration bundled into the function;
 * `stored` re-publishes the newest stored snapshot (a market fed by hand); `csv` replays recorded CSV objects from S3;
 * `ercot` reads ERCOT's Public API with the credentials in Secrets Manager, hashprice from mempool.space, and the GPU
 * value still from the generator.
 */
function sourceFor(
  env: MarketConfig,
  store: DynamoMarketSnapshotStore,
  quality: PowertoolsMarketMetrics,
  fleet: Fleet,
): MarketDataSource {
  switch (env.MARKET_SOURCE) {
    // The generator's hubs and the CSV's nodes; every other settlement point at its region's hub.
    case 'synthetic':
      return pricingEveryMarketNode(syntheticSource(env.SYNTHETIC_SEED, fleet));
    case 'csv':
      return pricingEveryMarketNode(
        new CsvMarketSource({
          reader: new S3ObjectReader({ client: createS3Client(), bucket: env.MARKET_CSV_BUCKET! }),
          priceKeys: env.MARKET_CSV_PRICE_KEYS!,
          priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
          hashpriceKey: env.MARKET_CSV_HASHPRICE_KEY!,
          gpuSpotUsdPerGpuHour: env.MARKET_CSV_GPU_SPOT_USD_PER_GPU_HOUR,
          ...(env.MARKET_CSV_SYSTEM_LOAD_KEY ? { systemLoadKey: env.MARKET_CSV_SYSTEM_LOAD_KEY } : {}),
          ...(env.MARKET_CSV_AS_KEY ? { ancillaryPricesKey: env.MARKET_CSV_AS_KEY } : {}),
        }),
      );
    case 'ercot': {
      const client = new ErcotPublicApiClient({
        credentials: new SecretsManagerErcotCredentials({
          client: createSecretsManagerClient(),
          secretId: env.ERCOT_SECRET_ARN!,
        }),
        clock: systemClock,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
      });
      return new ErcotRtmMarketSource({
        feed: new ErcotApiPriceFeed({ client, clock: systemClock }),
        nodes: env.MARKET_NODES ?? fleetNodes(fleet),
        nonPrice: withHashprice(
          syntheticSource(env.SYNTHETIC_SEED, fleet),
          new MempoolSpaceHashprice({ clock: systemClock }),
        ),
        quality,
      });
    }
    case 'stored':
      return {
        name: 'stored',
        async snapshotAt() {
          const latest = await store.latest();
          if (!latest) throw new Error('no stored market snapshot to re-publish');
          return latest;
        },
      };
  }
}

/**
 * Built once per Lambda container and registry version, so the ERCOT token and the feed's cache live across scheduled
 * runs while the fleet stays the same; a registry change (a site at a new node) rebuilds it at the next run.
 */
let built: { readonly registryVersion: number | undefined; readonly runtime: ReturnType<typeof build> } | undefined;

function build(fleet: Fleet) {
  const env = config();
  const store = new DynamoMarketSnapshotStore({ client: documentClient(), tableName: env.TABLE_NAME });
  const marketMetrics = new PowertoolsMarketMetrics(metrics, logger);
  return {
    source: sourceFor(env, store, marketMetrics, fleet),
    store,
    history: new DynamoMarketHistoryStore({ client: documentClient(), tableName: env.TABLE_NAME }),
    signals: new IotSignalPublisher(createIotDataClient(env.IOT_DATA_ENDPOINT)),
    metrics: marketMetrics,
    clock: systemClock,
  };
}

export async function marketRuntime() {
  const fleet = await fleetFromRegistry(
    new DynamoSiteRegistryStore({ client: documentClient(), tableName: config().TABLE_NAME }),
  );
  if (!built || built.registryVersion !== fleet.registryVersion) {
    built = { registryVersion: fleet.registryVersion, runtime: build(fleet) };
  }
  return built.runtime;
}
