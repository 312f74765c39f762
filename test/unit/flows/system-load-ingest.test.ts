import { readFileSync } from 'node:fs';
import { SYSTEM_LOAD_HISTORY_KEY } from '../../../core/market-data/history.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { fixedClock } from '../../../core/support/clock.js';
import { CsvMarketSource } from '../../../functions/market/adapters/csv-source.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { InMemoryMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { HASHPRICE_FILE, SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';

const PRICES = [
  'interval_start_local,rt_price_usd_mwh,da_price_usd_mwh,temperature_c',
  ...Array.from({ length: 16 }, (_, k) => {
    const minutes = 12 * 60 + 15 * k;
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    return `2022-07-20 ${time}:00,${40 + k},35,38`;
  }),
].join('\n');

const files: Record<string, string> = {
  'west.csv': PRICES,
  'hashprice.csv': readFileSync(HASHPRICE_FILE, 'utf8'),
  'load.csv': readFileSync(SYSTEM_LOAD_FILE, 'utf8'),
};

const loadSource = () =>
  new CsvMarketSource({
    reader: { readText: async (key) => files[key]! },
    priceKeys: { HB_WEST: 'west.csv' },
    priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
    hashpriceKey: 'hashprice.csv',
    gpuSpotUsdPerGpuHour: 2,
    systemLoadKey: 'load.csv',
  });

describe('system load in market ingestion', () => {
  it('appends the ERCOT system load the CSV source has published by now, and no hour not yet published', async () => {
    // Prepare
    const source = loadSource();
    const history = new InMemoryMarketHistoryStore();
    // 14:10 CDT: the 12:00 hour (ended 13:00) is published at 14:00; the 13:00 hour not before 15:00.
    const nowMs = Date.parse('2022-07-20T19:10:00Z');

    // Act
    await ingestMarketSnapshot({
      source,
      store: { put: async () => {}, latest: async () => undefined },
      history,
      signals: { publish: async () => {} },
      metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
      clock: fixedClock(nowMs),
    });

    // Assess: the first run hands over the 38 days the 4CP outlook reads, up to the 12:00 CDT hour, with the file's
    // figures; nothing of the 13:00 hour, not yet published.
    const stored = await history.read(SYSTEM_LOAD_HISTORY_KEY, 0, Number.MAX_SAFE_INTEGER);
    expect(stored).toHaveLength(38 * 24);
    expect(new Date(stored.at(-1)!.intervalStartMs).toISOString()).toBe('2022-07-20T17:00:00.000Z');
    const row = files['load.csv']!.split('\n').find((line) => line.startsWith('2022-07-20 12:00:00,0,'))!;
    expect(stored.at(-1)!.systemLoadMw).toBe(Number(row.split(',')[2]));
    expect(await history.read('HB_WEST', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });

  it('hands over only the hours published since the run before', async () => {
    // Prepare
    const source = loadSource();
    await source.systemLoadAt(Date.parse('2022-07-20T19:10:00Z'));

    // Act: an hour later, the 13:00 CDT hour is published
    const next = await source.systemLoadAt(Date.parse('2022-07-20T20:10:00Z'));

    // Assess
    expect(next.map((p) => new Date(p.intervalStartMs).toISOString())).toEqual(['2022-07-20T18:00:00.000Z']);
  });
});
