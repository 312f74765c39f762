import { readFileSync } from 'node:fs';
import { ancillaryOnGrid, parseAncillaryPriceCsv } from '../../../core/market-data/ancillary-prices.js';
import { CsvFormatError } from '../../../core/market-data/csv.js';
import { ERCOT_PUBLICATION, knownAt, type MarketRecord } from '../../../core/market-data/known-at.js';
import { ERCOT_AS_PRICE_FILE } from '../../support/paths.js';

const HEADER = 'hour_start_local,dst_repeat,regup_usd_mw_h,regdn_usd_mw_h,rrs_usd_mw_h,ecrs_usd_mw_h,nspin_usd_mw_h';
const file = (...rows: string[]) => [HEADER, ...rows].join('\n');
const errorOf = (text: string) => {
  try {
    parseAncillaryPriceCsv(text, 'as.csv');
  } catch (error) {
    return error as CsvFormatError;
  }
  throw new Error('parsed');
};

describe('ancillary capacity price files', () => {
  it('reads the shipped DAM file: 3,912 consecutive hours through both DST changes', () => {
    // Act
    const prices = parseAncillaryPriceCsv(readFileSync(ERCOT_AS_PRICE_FILE, 'utf8'), ERCOT_AS_PRICE_FILE);
    // Assess: 2024-11-01 00:00 CDT is 05:00 UTC; the 2025-02-20 cold morning cleared RRS at $270/MW-h.
    expect(prices.hourStartsMs).toHaveLength(3912);
    expect(prices.hourStartsMs[0]).toBe(Date.parse('2024-11-01T05:00:00Z'));
    expect(Math.max(...prices.byProduct['RRS-UFR'])).toBeCloseTo(270, 0);
    expect(prices.hourStartsMs.every((ms, i) => i === 0 || ms - prices.hourStartsMs[i - 1]! === 3_600_000)).toBe(true);
  });

  it.each([
    ['a price that is not a number', file('2024-11-01 00:00:00,0,1,1,x,1,1'), 2, 'rrs_usd_mw_h'],
    ['a negative price', file('2024-11-01 00:00:00,0,1,1,1,-2,1'), 2, 'ecrs_usd_mw_h'],
    ['a repeat flag other than 0/1', file('2024-11-01 00:00:00,2,1,1,1,1,1'), 2, 'dst_repeat'],
    ['a time that does not parse', file('Nov 1,0,1,1,1,1,1'), 2, 'hour_start_local'],
    [
      'a missing hour',
      file('2024-11-01 00:00:00,0,1,1,1,1,1', '2024-11-01 02:00:00,0,1,1,1,1,1'),
      3,
      'hour_start_local',
    ],
    [
      'a duplicated hour',
      file('2024-11-01 00:00:00,0,1,1,1,1,1', '2024-11-01 00:00:00,0,1,1,1,1,1'),
      3,
      'hour_start_local',
    ],
    ['a missing column', 'hour_start_local,dst_repeat,rrs_usd_mw_h\n2024-11-01 00:00:00,0,1', 1, 'ecrs_usd_mw_h'],
  ])('names the row and column of %s', (_what, text, line, column) => {
    // Act
    const error = errorOf(text);
    // Assess
    expect(error).toBeInstanceOf(CsvFormatError);
    expect([error.line, error.column]).toEqual([line, column]);
  });
});

describe('ancillary capacity prices as known at a decision', () => {
  // Two days of 15-minute grid from 2025-02-19 00:00 CST (06:00 UTC), each hour priced at its index.
  const startMs = Date.parse('2025-02-19T06:00:00Z');
  const hourly = {
    hourStartsMs: Array.from({ length: 48 }, (_, h) => startMs + h * 3_600_000),
    byProduct: {
      'RRS-UFR': Array.from({ length: 48 }, (_, h) => h),
      ECRS: Array.from({ length: 48 }, (_, h) => h),
      NSPIN: Array.from({ length: 48 }, (_, h) => h),
    },
  };
  const record = (market: 'dam' | 'rtc'): MarketRecord => ({
    startMs,
    stepMinutes: 15,
    rtUsdPerMwh: new Array<number>(192).fill(30),
    hashpriceDays: [{ dayStartMs: 0, value: 0.05 }],
    gridEvents: [],
    publication: ERCOT_PUBLICATION,
    ancillaryUsdPerMwh: ancillaryOnGrid(hourly, { startMs, stepMinutes: 15, length: 192 }, market),
  });

  it('puts each hour on its four 15-minute intervals', () => {
    // Assess
    expect(record('dam').ancillaryUsdPerMwh!.byProduct.ECRS!.slice(0, 6)).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('knows the next operating day’s DAM prices only after the DAM posts them at 13:30 Central', () => {
    // Act: 13:29 and 13:30 CST on 2025-02-19.
    const before = knownAt(record('dam'), Date.parse('2025-02-19T19:29:00Z'));
    const after = knownAt(record('dam'), Date.parse('2025-02-19T19:30:00Z'));
    // Assess: before, only 2025-02-19 (96 intervals); after, 2025-02-20 too.
    expect(before.ancillaryUsdPerMwh!.byProduct.NSPIN).toHaveLength(96);
    expect(after.ancillaryUsdPerMwh!.byProduct.NSPIN).toHaveLength(192);
  });

  it('knows a real-time (RTC+B) price from the start of its interval, not before', () => {
    // Act: 10:00 and 10:14 CST of the first day are in interval 40; 10:15 starts interval 41.
    const at = (iso: string) => knownAt(record('rtc'), Date.parse(iso)).ancillaryUsdPerMwh!.byProduct.ECRS!.length;
    // Assess
    expect([at('2025-02-19T16:00:00Z'), at('2025-02-19T16:14:59Z'), at('2025-02-19T16:15:00Z')]).toEqual([41, 41, 42]);
  });
});
