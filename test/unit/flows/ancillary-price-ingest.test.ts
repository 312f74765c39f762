import { readFileSync } from 'node:fs';
import { ANCILLARY_HISTORY_KEY } from '../../../core/market-data/history.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { fixedClock } from '../../../core/support/clock.js';
import { CsvMarketSource } from '../../../functions/market/adapters/csv-source.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { InMemoryMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { ERCOT_AS_PRICE_FILE, HASHPRICE_FILE } from '../../../sim/data/market-files.js';

/** Two hours of 15-minute prices from 2025-02-19 12:00 CST. */
const PRICES = [
  'interval_start_local,rt_price_usd_mwh,da_price_usd_mwh,temperature_c',
  ...Array.from(
    { length: 8 },
    (_, k) => `2025-02-19 ${String(12 + Math.floor(k / 4))}:${String((k % 4) * 15).padStart(2, '0')}:00,30,28,5`,
  ),
].join('\n');

const asRow = (hour: string) =>
  readFileSync(ERCOT_AS_PRICE_FILE, 'utf8')
    .split('\n')
    .find((line) => line.startsWith(`${hour},0,`))!
    .split(',');

function source(asText: string) {
  const files: Record<string, string> = {
    'west.csv': PRICES,
    'hashprice.csv': readFileSync(HASHPRICE_FILE, 'utf8'),
    'as.csv': asText,
  };
  return new CsvMarketSource({
    reader: { readText: async (key) => files[key]! },
    priceKeys: { HB_WEST: 'west.csv' },
    priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
    hashpriceKey: 'hashprice.csv',
    gpuSpotUsdPerGpuHour: 2,
    ancillaryPricesKey: 'as.csv',
  });
}

const ingestAt = (csv: CsvMarketSource, history: InMemoryMarketHistoryStore, nowMs: number) =>
  ingestMarketSnapshot({
    source: csv,
    store: { put: async () => {}, latest: async () => undefined },
    history,
    signals: { publish: async () => {} },
    metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
    clock: fixedClock(nowMs),
  });

describe('DAM capacity prices in market ingestion (CSV source)', () => {
  it('stores today’s prices on the 15-minute grid, and tomorrow’s only once the DAM has posted (13:30 Central)', async () => {
    // Prepare
    const csv = source(readFileSync(ERCOT_AS_PRICE_FILE, 'utf8'));
    const history = new InMemoryMarketHistoryStore();
    const tomorrowMs = Date.parse('2025-02-20T06:00:00Z'); // 2025-02-20 00:00 CST

    // Act: 12:10 CST, then 13:40 CST
    await ingestAt(csv, history, Date.parse('2025-02-19T18:10:00Z'));
    const before = await history.read(ANCILLARY_HISTORY_KEY, tomorrowMs, tomorrowMs + 86_400_000);
    await ingestAt(csv, history, Date.parse('2025-02-19T19:40:00Z'));
    const after = await history.read(ANCILLARY_HISTORY_KEY, tomorrowMs, tomorrowMs + 86_400_000);

    // Assess
    expect(before).toEqual([]);
    expect(after).toHaveLength(96);
    const [, , , , rrs, ecrs, nspin] = asRow('2025-02-20 07:00:00');
    const seven = after.filter((p) => p.intervalStartMs >= tomorrowMs + 7 * 3_600_000).slice(0, 4);
    expect(seven.map((p) => [p.asRrsUsdPerMwh, p.asEcrsUsdPerMwh, p.asNspinUsdPerMwh])).toEqual(
      Array(4).fill([Number(rrs), Number(ecrs), Number(nspin)]),
    );
    const today = await history.read(ANCILLARY_HISTORY_KEY, Date.parse('2025-02-19T18:00:00Z'), tomorrowMs);
    expect(today.filter((p) => p.asRrsUsdPerMwh !== undefined)).toHaveLength(4 * 12);
  });

  it('refuses a file with a bad price, naming its line and column, and leaves what is stored as it was', async () => {
    // Prepare: an earlier run stored today's prices from the good file
    const history = new InMemoryMarketHistoryStore();
    await ingestAt(source(readFileSync(ERCOT_AS_PRICE_FILE, 'utf8')), history, Date.parse('2025-02-19T18:10:00Z'));
    const stored = await history.read(ANCILLARY_HISTORY_KEY, 0, Number.MAX_SAFE_INTEGER);
    const lines = readFileSync(ERCOT_AS_PRICE_FILE, 'utf8').split('\n');
    const bad = lines.findIndex((line) => line.startsWith('2025-02-19 14:00:00,0,'));
    const cells = lines[bad]!.split(',');
    cells[5] = '-3';
    lines[bad] = cells.join(',');

    // Act / Assess
    await expect(ingestAt(source(lines.join('\n')), history, Date.parse('2025-02-19T18:25:00Z'))).rejects.toThrow(
      new RegExp(`line ${bad + 1}.*ecrs_usd_mw_h.*negative`),
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(await history.read(ANCILLARY_HISTORY_KEY, 0, Number.MAX_SAFE_INTEGER)).toEqual(stored);
  });
});
