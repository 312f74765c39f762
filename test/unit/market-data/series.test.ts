import { CsvFormatError } from '../../../core/market-data/csv.js';
import {
  ERCOT_SHARED_PRICE_COLUMNS,
  hashpriceOnGrid,
  parseHashpriceCsv,
  parsePriceCsv,
  parseTimeCell,
  resample,
} from '../../../core/market-data/series.js';
import { zonedWallTimeToUtcMs } from '../../../core/market-data/time-zone.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE, readHashpriceFile, readPriceFile } from '../../../sim/data/market-files.js';

const HEADER = 'interval_start_local,rt_price_usd_mwh,da_price_usd_mwh,temperature_c';

describe('Central prevailing time', () => {
  it('maps CST and CDT wall times to UTC', () => {
    const wall = { year: 2025, month: 1, day: 15, hour: 12, minute: 0, second: 0 };
    expect(new Date(zonedWallTimeToUtcMs(wall, 'America/Chicago')).toISOString()).toBe('2025-01-15T18:00:00.000Z');
    const summer = { ...wall, month: 7 };
    expect(new Date(zonedWallTimeToUtcMs(summer, 'America/Chicago')).toISOString()).toBe('2025-07-15T17:00:00.000Z');
  });

  it('takes the first occurrence of the repeated hour when DST ends', () => {
    const wall = { year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0 };
    expect(new Date(zonedWallTimeToUtcMs(wall, 'America/Chicago')).toISOString()).toBe('2024-11-03T06:30:00.000Z');
  });

  it('accepts ISO instants with an offset and refuses nonsense', () => {
    expect(parseTimeCell('2025-01-15T18:00:00Z', 'America/Chicago')).toBe(Date.UTC(2025, 0, 15, 18));
    expect(parseTimeCell('2025-13-15 00:00', 'America/Chicago')).toBeUndefined();
    expect(parseTimeCell('yesterday', 'America/Chicago')).toBeUndefined();
  });
});

describe('price CSV', () => {
  it('puts 15-minute prices on a 5-minute grid by holding each value', () => {
    // Prepare
    const text = [HEADER, '2025-01-15 00:00:00,20,21,5', '2025-01-15 00:15:00,40,41,6'].join('\n');
    // Act
    const series = parsePriceCsv(text, 'mem.csv', ERCOT_SHARED_PRICE_COLUMNS, 5);
    // Assess
    expect(series.rtUsdPerMwh.values).toEqual([20, 20, 20, 40, 40, 40]);
    expect(series.daUsdPerMwh?.values[3]).toBe(41);
    expect(series.rtUsdPerMwh.startMs).toBe(Date.UTC(2025, 0, 15, 6));
  });

  it('averages to a coarser grid', () => {
    const hourly = resample({ startMs: 0, stepMinutes: 15, values: [10, 20, 30, 40, 50, 60, 70, 80] }, 60);
    expect(hourly.values).toEqual([25, 65]);
  });

  it('names the line and column of a bad number', () => {
    const text = [HEADER, '2025-01-15 00:00:00,20,21,5', '2025-01-15 00:15:00,abc,41,6'].join('\n');
    expect(() => parsePriceCsv(text, 'bad.csv', ERCOT_SHARED_PRICE_COLUMNS, 5)).toThrow(
      'bad.csv: line 3, column "rt_price_usd_mwh": "abc" is not a number',
    );
  });

  it('names a missing column and a short row', () => {
    const missing = ['time,price', '2025-01-15 00:00:00,20'].join('\n');
    expect(() => parsePriceCsv(missing, 'm.csv', ERCOT_SHARED_PRICE_COLUMNS, 5)).toThrow(CsvFormatError);
    expect(() => parsePriceCsv(missing, 'm.csv', ERCOT_SHARED_PRICE_COLUMNS, 5)).toThrow(/interval_start_local/);
    const short = [HEADER, '2025-01-15 00:00:00,20,21'].join('\n');
    expect(() => parsePriceCsv(short, 's.csv', ERCOT_SHARED_PRICE_COLUMNS, 5)).toThrow(/line 2.*expected 4 cells/);
  });

  it('names a bad time', () => {
    const text = [HEADER, '15/01/2025 00:00,20,21,5', '2025-01-15 00:15:00,40,41,6'].join('\n');
    expect(() => parsePriceCsv(text, 't.csv', ERCOT_SHARED_PRICE_COLUMNS, 5)).toThrow(
      /line 2, column "interval_start_local"/,
    );
  });
});

describe('the shared real files', () => {
  it('reads the ERCOT file onto a gapless 5-minute grid across both DST changes', () => {
    const series = readPriceFile(ERCOT_PRICE_FILE, 5);
    // 14,112 fifteen-minute rows: the fall-back gap is held and the spring-forward repeat averaged.
    expect(series.rtUsdPerMwh.values).toHaveLength(14_112 * 3);
    expect(Math.max(...series.rtUsdPerMwh.values)).toBeCloseTo(3490.3, 1);
    expect(Math.min(...series.rtUsdPerMwh.values)).toBeLessThan(0);
  });

  it('reads the hashprice file and spreads each UTC day over the grid', () => {
    const days = readHashpriceFile(HASHPRICE_FILE);
    expect(days).toHaveLength(1823);
    expect(days[0]?.feesBtcPerDay).toBeUndefined();
    const grid = { startMs: Date.UTC(2024, 5, 1, 23, 0), stepMinutes: 60, values: [0, 0] };
    expect(hashpriceOnGrid(days, grid).values).toEqual([
      0.055399,
      days.find((d) => d.dayStartMs === Date.UTC(2024, 5, 2))?.hashpriceUsdPerThDay,
    ]);
  });

  it('refuses a hashprice file with a bad date', () => {
    const text =
      'date,btc_usd_close,difficulty,subsidy_btc_per_block,fees_btc_per_day,hashprice_usd_per_ths_day\nlater,1,1,1,,1';
    expect(() => parseHashpriceCsv(text, 'h.csv')).toThrow('h.csv: line 2, column "date"');
  });
});
