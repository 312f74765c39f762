import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DAM_MCPC_ROWS,
  DAM_SPP_ROWS,
  ercotApiPageSchema,
  ercotDayBoundsMs,
  missingIntervals,
  newestPublicationWins,
  pageRecords,
  parseReportRows,
  parseSystemLoadRows,
  publishedAtMs,
  RT_MCPC_ROWS,
  RTM_SPP_ROWS,
  SCED_LMP_ROWS,
} from '../../../core/market-ingest/ercot-api.js';

const FIXTURES = path.join(process.cwd(), 'sim', 'data', 'ercot-api');
const records = (file: string) =>
  pageRecords(ercotApiPageSchema.parse(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'))));
const NODES = ['HB_NORTH', 'HB_SOUTH', 'HB_WEST'];
const iso = (ms: number) => new Date(ms).toISOString();

describe('ERCOT Public API rows', () => {
  it('places a normal day’s 96 quarter-hours from 06:00Z to 06:00Z (CST, UTC−6)', () => {
    // Act
    const { prices } = parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-11-28.json'));
    const west = newestPublicationWins(prices).filter((p) => p.key === 'HB_WEST');

    // Assess
    expect(west).toHaveLength(96);
    expect(iso(west[0]!.intervalStartMs)).toBe('2026-11-28T06:00:00.000Z');
    expect(iso(west.at(-1)!.intervalStartMs)).toBe('2026-11-29T05:45:00.000Z');
  });

  it('keeps a 25-hour fall-back day: the DSTFlag hour is the second 01:00–02:00, an hour after the first', () => {
    // Act
    const west = newestPublicationWins(
      parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-11-01.json')).prices,
    ).filter((p) => p.key === 'HB_WEST');

    // Assess: 100 distinct instants, evenly spaced, covering the day's 25 hours
    expect(west).toHaveLength(100);
    const bounds = ercotDayBoundsMs({ year: 2026, month: 11, day: 1 });
    expect(bounds.toMs - bounds.fromMs).toBe(25 * 3_600_000);
    expect(west.map((p) => p.intervalStartMs)).toEqual(
      Array.from({ length: 100 }, (_, i) => bounds.fromMs + i * 900_000),
    );
    expect(missingIntervals(west, ['HB_WEST'], { ...bounds, intervalMinutes: 15 })).toEqual([]);
  });

  it('keeps a 23-hour spring-forward day with no gap where hour ending 03 does not exist', () => {
    // Act
    const west = parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-03-08.json')).prices.filter(
      (p) => p.key === 'HB_WEST',
    );

    // Assess
    const bounds = ercotDayBoundsMs({ year: 2026, month: 3, day: 8 });
    expect(bounds.toMs - bounds.fromMs).toBe(23 * 3_600_000);
    expect(west).toHaveLength(92);
    expect(missingIntervals(west, ['HB_WEST'], { ...bounds, intervalMinutes: 15 })).toEqual([]);
  });

  it('lets the newest publication of an interval win over the first', () => {
    // Act
    const prices = newestPublicationWins(parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-11-28.json')).prices);

    // Assess: hour ending 15, interval 3 is 14:30 CST = 20:30Z
    const corrected = prices.filter(
      (p) => p.key === 'HB_WEST' && iso(p.intervalStartMs) === '2026-11-28T20:30:00.000Z',
    );
    expect(corrected).toHaveLength(1);
    expect(corrected[0]!.priceUsdPerMwh).toBe(21.5);
    expect(corrected[0]!.posted).toBe('2026-11-28T16:20:00');
  });

  it('rejects a malformed row naming its field, and keeps the rest', () => {
    // Act
    const { prices, rejected } = parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-11-28.json'));

    // Assess
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.report).toBe('NP6-905-CD');
    expect(rejected[0]!.reason).toMatch(/^settlementPointPrice: /);
    expect(prices.some((p) => Number.isNaN(p.priceUsdPerMwh))).toBe(false);
  });

  it('flags the interval that was never published', () => {
    // Prepare
    const prices = newestPublicationWins(parseReportRows(RTM_SPP_ROWS, records('np6-905-cd_2026-11-28.json')).prices);

    // Act
    const missing = missingIntervals(prices, NODES, {
      ...ercotDayBoundsMs({ year: 2026, month: 11, day: 28 }),
      intervalMinutes: 15,
    });

    // Assess: hour ending 03, interval 2 is 02:15 CST = 08:15Z
    expect(missing).toEqual([{ intervalStartMs: Date.parse('2026-11-28T08:15:00Z'), key: 'HB_NORTH' }]);
  });

  it('reads day-ahead prices and capacity prices hour by hour, 25 hours on the fall-back day', () => {
    // Act
    const damFallBack = parseReportRows(DAM_SPP_ROWS, records('np4-190-cd_2026-11-01.json'));
    const mcpc = parseReportRows(DAM_MCPC_ROWS, records('np4-188-cd_2026-11-28.json'));
    const rtMcpc = parseReportRows(RT_MCPC_ROWS, records('np6-331-cd_2026-11-28.json'));

    // Assess
    expect(new Set(damFallBack.prices.filter((p) => p.key === 'HB_WEST').map((p) => p.intervalStartMs)).size).toBe(25);
    expect(mcpc.rejected).toEqual([]);
    expect(new Set(mcpc.prices.map((p) => p.key))).toEqual(new Set(['REGUP', 'REGDN', 'RRS', 'NSPIN', 'ECRS']));
    expect(rtMcpc.prices).toHaveLength(96 * 5);
  });

  it('places a SCED LMP on the 5 minutes its run falls in, the repeated hour an hour later', () => {
    // Act
    const { prices, rejected } = parseReportRows(SCED_LMP_ROWS, [
      { SCEDTimestamp: '11/01/2026 01:07:13', repeatHourFlag: 'N', settlementPoint: 'HB_WEST', LMP: '20.5' },
      { SCEDTimestamp: '2026-11-01T01:07:13', repeatHourFlag: true, settlementPoint: 'HB_WEST', LMP: 21 },
      { SCEDTimestamp: '2026-11-01 01:07', repeatHourFlag: false, settlementPoint: 'HB_WEST', LMP: 21 },
    ]);

    // Assess
    expect(prices.map((p) => iso(p.intervalStartMs))).toEqual(['2026-11-01T06:05:00.000Z', '2026-11-01T07:05:00.000Z']);
    expect(rejected).toEqual([{ report: 'NP6-788-CD', row: 2, reason: expect.stringMatching(/^SCEDTimestamp: /) }]);
  });

  it('reads the rebuilt SCED LMP day: 288 runs a node, the malformed row rejected, the missing run flagged', () => {
    // Act
    const { prices, rejected } = parseReportRows(SCED_LMP_ROWS, records('np6-788-cd_2026-11-28.json'));
    const fallBack = parseReportRows(SCED_LMP_ROWS, records('np6-788-cd_2026-11-01.json'));

    // Assess
    expect(prices.filter((p) => p.key === 'HB_WEST')).toHaveLength(288);
    expect(rejected).toEqual([
      { report: 'NP6-788-CD', row: expect.any(Number), reason: expect.stringMatching(/^LMP: /) },
    ]);
    expect(
      missingIntervals(prices, NODES, { ...ercotDayBoundsMs({ year: 2026, month: 11, day: 28 }), intervalMinutes: 5 }),
    ).toEqual([
      { intervalStartMs: Date.parse('2026-11-28T10:10:00Z'), key: 'HB_NORTH' },
      { intervalStartMs: Date.parse('2026-11-28T16:05:00Z'), key: 'HB_SOUTH' },
    ]);
    expect(new Set(fallBack.prices.filter((p) => p.key === 'HB_WEST').map((p) => p.intervalStartMs)).size).toBe(300);
  });

  it('dates each price by when it became known: posted, else interval end + 5 min, else the DAM’s 13:30 the day before', () => {
    // Prepare
    const interval = { intervalStartMs: Date.parse('2026-11-28T20:30:00Z'), intervalMinutes: 15 };

    // Act / Assess
    expect(iso(publishedAtMs({ ...interval, posted: '2026-11-28T16:20:00' }, 'real-time'))).toBe(
      '2026-11-28T22:20:00.000Z',
    );
    expect(iso(publishedAtMs(interval, 'real-time'))).toBe('2026-11-28T20:50:00.000Z');
    expect(iso(publishedAtMs({ ...interval, intervalMinutes: 60 }, 'day-ahead'))).toBe('2026-11-27T19:30:00.000Z');
    // The day after the fall-back day: its DAM posted at 13:30 CST on 2026-11-01, the 25-hour day
    const afterFallBack = { intervalStartMs: Date.parse('2026-11-02T06:00:00Z'), intervalMinutes: 60 };
    expect(iso(publishedAtMs(afterFallBack, 'day-ahead'))).toBe('2026-11-01T19:30:00.000Z');
  });

  it('rejects a price above ERCOT’s offer cap and an hour ending 25', () => {
    // Act
    const { rejected } = parseReportRows(RTM_SPP_ROWS, [
      {
        deliveryDate: '2026-11-28',
        deliveryHour: 1,
        deliveryInterval: 1,
        settlementPoint: 'HB_WEST',
        settlementPointPrice: 9000,
        DSTFlag: false,
      },
      {
        deliveryDate: '2026-11-28',
        deliveryHour: 25,
        deliveryInterval: 1,
        settlementPoint: 'HB_WEST',
        settlementPointPrice: 20,
        DSTFlag: false,
      },
    ]);

    // Assess
    expect(rejected.map((r) => r.reason.split(':')[0])).toEqual(['settlementPointPrice', 'deliveryHour']);
  });
});

describe('NP6-345-CD actual system load rows', () => {
  const row = (hourEnding: string, total: unknown, DSTFlag = false) => ({
    operatingDay: '2026-11-01',
    hourEnding,
    coast: 1,
    total,
    DSTFlag,
  });

  it('reads the ERCOT total per hour, the repeated fall-back hour included, known an hour after its day ends', () => {
    // Act
    const { points, rejected } = parseSystemLoadRows(
      [row('01:00', 40_000), row('02:00', 39_000), row('02:00', 38_500, true), row('24:00', 41_000)],
      60,
    );

    // Assess: 2026-11-01 is 25 hours (CDT then CST); the report covers the previous operating day
    expect(rejected).toEqual([]);
    expect(points.map((p) => new Date(p.intervalStartMs).toISOString())).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect(points.map((p) => p.systemLoadMw)).toEqual([40_000, 39_000, 38_500, 41_000]);
    expect(new Set(points.map((p) => new Date(p.publishedAtMs).toISOString()))).toEqual(
      new Set(['2026-11-02T07:00:00.000Z']),
    );
  });

  it('refuses a row naming the field it breaks, and keeps the others', () => {
    // Act
    const { points, rejected } = parseSystemLoadRows(
      [row('01:00', 'N/A'), row('25:00', 40_000), row('03:00', -5), row('04:00', 40_000)],
      60,
    );

    // Assess
    expect(points).toHaveLength(1);
    expect(rejected.map((r) => [r.row, r.reason.split(':')[0]])).toEqual([
      [0, 'total'],
      [1, 'hourEnding'],
      [2, 'total'],
    ]);
  });
});
