import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { systemClock } from '../../core/support/clock.js';
import calibration from '../../core/synthetic/calibration/ercot-hb-south.json' with { type: 'json' };
import { calibrationSchema } from '../../core/synthetic/calibration.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoMarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { metrics } from '../shared/powertools.js';
import { IotSignalPublisher } from './adapters/iot-signal-publisher.js';
import { PowertoolsMarketMetrics } from './adapters/powertools-market-metrics.js';
import { WeeklySyntheticMarketSource } from './adapters/weekly-synthetic-source.js';
import type { MarketDataSource } from './ports.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    IOT_DATA_ENDPOINT: iotDataEndpointSchema,
    /** Which source feeds dispatch; see the adapters. */
    MARKET_SOURCE: z.enum(['stored', 'synthetic', 'csv', 'ercot']).default('synthetic'),
    SYNTHETIC_SEED: z.coerce.number().int().nonnegative().default(1),
  }),
);

/**
 * `synthetic` (the default) runs the seeded generator week by week, its calibration bundled into the function;
 * `stored` re-publishes the newest stored snapshot (a market fed by hand). `csv` needs an S3 reader and `ercot` a
 * report client with ERCOT API credentials: both adapters exist, neither is wired to AWS here yet.
 */
function sourceFor(kind: string, seed: number, store: DynamoMarketSnapshotStore): MarketDataSource {
  if (kind === 'synthetic') {
    return new WeeklySyntheticMarketSource({
      calibration: calibrationSchema.parse(calibration),
      fleet: referenceFleet,
      seed,
    });
  }
  if (kind !== 'stored') throw new Error(`MARKET_SOURCE=${kind} is not wired in this deployment yet`);
  return {
    name: 'stored',
    async snapshotAt() {
      const latest = await store.latest();
      if (!latest) throw new Error('no stored market snapshot to re-publish');
      return latest;
    },
  };
}

export function marketRuntime() {
  const { TABLE_NAME, MARKET_SOURCE, SYNTHETIC_SEED, IOT_DATA_ENDPOINT } = config();
  const store = new DynamoMarketSnapshotStore({ client: documentClient(), tableName: TABLE_NAME });
  return {
    source: sourceFor(MARKET_SOURCE, SYNTHETIC_SEED, store),
    store,
    signals: new IotSignalPublisher(createIotDataClient(IOT_DATA_ENDPOINT)),
    metrics: new PowertoolsMarketMetrics(metrics),
    clock: systemClock,
  };
}
