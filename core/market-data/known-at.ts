import type { PriceHistory } from '../forecast/types.js';
import type { AncillaryPriceGrid } from './ancillary-prices.js';
import { localWallMinutes } from './time-zone.js';

/**
 * What a decision could know about the market at its decision time. Every input carries the instant it becomes known:
 *
 * - a real-time price when its interval has ended and been published (`rtPublicationDelayMinutes` after the end);
 * - a day-ahead price when the DAM for its operating day has posted (`dayAheadPublishedMinuteOfDay` local time on the
 *   day before); a DAM ancillary capacity price likewise (it is posted with the DAM results), a real-time (RTC+B)
 *   one at the start of its interval, when SCED prices it;
 * - a temperature when its interval has ended (an observation);
 * - a daily hashprice when its UTC day has ended (it is computed from the day's closing BTC price and difficulty);
 * - a grid event at its notice, its end at its recall notice.
 *
 * A strategy, the deployed planner or a forecaster is handed `knownAt(record, decisionMs)` and nothing else, so leaving
 * the future out is the view's job, not each caller's.
 */

/** When each kind of input is published. */
export interface PublicationRules {
  /** Minutes after a real-time interval ends until its price is posted. */
  readonly rtPublicationDelayMinutes: number;
  /** Local minute of the day before an operating day at which that day's DAM prices are posted. */
  readonly dayAheadPublishedMinuteOfDay: number;
  /** Zone of the market's operating days. */
  readonly timeZone: string;
}

/**
 * ERCOT: the DAM for operating day D closes at 10:00 and its results are posted by 13:30 Central on D−1 (Nodal
 * Protocols §4.1.2, Day-Ahead Process and Timing: "ERCOT shall publish DAM results … by 1330"); real-time Settlement
 * Point Prices (NP6-905-CD) are posted a few minutes after each 15-minute interval ends, taken here as 5.
 */
export const ERCOT_PUBLICATION: PublicationRules = {
  rtPublicationDelayMinutes: 5,
  dayAheadPublishedMinuteOfDay: 13 * 60 + 30,
  timeZone: 'America/Chicago',
};

/** A daily value of a UTC day, known once the day has ended. */
export interface DailyValue {
  readonly dayStartMs: number;
  readonly value: number;
}

/** A demand-response deployment as an event record: when it was noticed, when it ran, when its recall was noticed. */
export interface GridEventRecord {
  readonly kind: 'dr-deployment';
  readonly noticeMs: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly recallNoticeMs: number;
}

/** A grid event as seen at some instant: its end is known only once its recall has been noticed. */
export interface KnownGridEvent {
  readonly kind: GridEventRecord['kind'];
  readonly startMs: number;
  readonly endMs?: number;
}

/** Everything the market will have published, on one grid, each value with its known-at rule. */
export interface MarketRecord {
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly rtUsdPerMwh: readonly number[];
  readonly daUsdPerMwh?: readonly number[];
  readonly temperatureC?: readonly number[];
  /** Ancillary capacity prices, $/MW per hour (core/market-data/ancillary-prices.ts). */
  readonly ancillaryUsdPerMwh?: AncillaryPriceGrid;
  /** Sorted by day. */
  readonly hashpriceDays: readonly DailyValue[];
  readonly gridEvents: readonly GridEventRecord[];
  readonly publication: PublicationRules;
}

/** The market as known at `asOfMs`; a PriceHistory, so forecasters take it as is. */
export interface KnownAtView extends PriceHistory {
  readonly asOfMs: number;
  /** The latest hashprice whose day has ended. */
  readonly hashpriceUsdPerThDay: number;
  readonly gridEvents: readonly KnownGridEvent[];
  /** Ancillary capacity prices published by `asOfMs`, from the record's start. */
  readonly ancillaryUsdPerMwh?: AncillaryPriceGrid;
}

const MS_PER_DAY = 86_400_000;

/** Number of real-time intervals published by `asOfMs` (interval i ends at start + (i+1)·step). */
export function rtKnownEnd(
  record: Pick<MarketRecord, 'startMs' | 'stepMinutes'>,
  rules: PublicationRules,
  asOfMs: number,
): number {
  const stepMs = record.stepMinutes * 60_000;
  return Math.max(0, Math.floor((asOfMs - rules.rtPublicationDelayMinutes * 60_000 - record.startMs) / stepMs));
}

/**
 * First grid index whose day-ahead price is not yet posted at `asOfMs`: the start of the operating day after the last
 * one whose DAM has posted.
 */
export function dayAheadKnownEnd(
  grid: Pick<MarketRecord, 'startMs' | 'stepMinutes'>,
  rules: PublicationRules,
  asOfMs: number,
): number {
  const local = localWallMinutes(asOfMs, rules.timeZone);
  const localDay = Math.floor(local / 1440);
  const lastPostedDay = localDay + (local - localDay * 1440 >= rules.dayAheadPublishedMinuteOfDay ? 1 : 0);
  // Local midnight starting the day after, as an instant (offset taken at asOf; a DST change in between moves the
  // boundary by one hour, which the step search below corrects).
  const stepMs = grid.stepMinutes * 60_000;
  let index = Math.ceil((asOfMs + ((lastPostedDay + 1) * 1440 - local) * 60_000 - grid.startMs) / stepMs);
  const dayOf = (i: number) => Math.floor(localWallMinutes(grid.startMs + i * stepMs, rules.timeZone) / 1440);
  while (index > 0 && dayOf(index - 1) > lastPostedDay) index -= 1;
  while (dayOf(index) <= lastPostedDay) index += 1;
  return Math.max(0, index);
}

/** The latest daily value whose UTC day ended by `asOfMs`; undefined before the first. */
export function latestClosedDay(days: readonly DailyValue[], asOfMs: number): DailyValue | undefined {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]!.dayStartMs + MS_PER_DAY <= asOfMs) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? days[lo - 1] : undefined;
}

export function knownAt(record: MarketRecord, asOfMs: number): KnownAtView {
  const rules = record.publication;
  const rtEnd = Math.min(record.rtUsdPerMwh.length, rtKnownEnd(record, rules, asOfMs));
  const observedEnd = rtKnownEnd(record, { ...rules, rtPublicationDelayMinutes: 0 }, asOfMs);
  const hashprice = latestClosedDay(record.hashpriceDays, asOfMs);
  if (!hashprice) {
    throw new Error(
      `no hashprice day had ended by ${new Date(asOfMs).toISOString()}: the hashprice file starts too late`,
    );
  }
  return {
    asOfMs,
    startMs: record.startMs,
    stepMinutes: record.stepMinutes,
    rtUsdPerMwh: record.rtUsdPerMwh.slice(0, rtEnd),
    ...(record.daUsdPerMwh
      ? { daUsdPerMwh: record.daUsdPerMwh.slice(0, dayAheadKnownEnd(record, rules, asOfMs)) }
      : {}),
    ...(record.temperatureC ? { temperatureC: record.temperatureC.slice(0, observedEnd) } : {}),
    ...(record.ancillaryUsdPerMwh
      ? { ancillaryUsdPerMwh: ancillaryKnownAt(record, record.ancillaryUsdPerMwh, asOfMs) }
      : {}),
    hashpriceUsdPerThDay: hashprice.value,
    gridEvents: record.gridEvents
      .filter((e) => e.noticeMs <= asOfMs)
      .map((e) => ({
        kind: e.kind,
        startMs: e.startMs,
        ...(e.recallNoticeMs <= asOfMs ? { endMs: e.endMs } : {}),
      })),
  };
}

/** DAM capacity prices as far as the DAM has posted; real-time ones through the interval under way (SCED prices it). */
function ancillaryKnownAt(record: MarketRecord, prices: AncillaryPriceGrid, asOfMs: number): AncillaryPriceGrid {
  const end =
    prices.market === 'dam'
      ? dayAheadKnownEnd(record, record.publication, asOfMs)
      : Math.max(0, Math.floor((asOfMs - record.startMs) / (record.stepMinutes * 60_000)) + 1);
  const byProduct = Object.fromEntries(
    Object.entries(prices.byProduct).map(([product, values]) => [product, values.slice(0, end)]),
  );
  return { market: prices.market, byProduct };
}

/** Whether a known deployment covers `atMs`: one not yet recalled is taken to last. */
export function drInForce(view: Pick<KnownAtView, 'gridEvents'>, atMs: number): boolean {
  return view.gridEvents.some(
    (e) => e.kind === 'dr-deployment' && e.startMs <= atMs && (e.endMs === undefined || atMs < e.endMs),
  );
}

/**
 * Deployment records for a price file that has none: ERCOT deploys ERS and ECRS load resources as reserves run short,
 * which shows as real-time prices near the cap. Each run of intervals at or above `thresholdUsdPerMwh` is taken as a
 * deployment; it is noticed when the run's first price is published (not before: the record must not reveal the
 * price), and its recall when the first price below the threshold is.
 */
export function deploymentsFromPrices(
  grid: Pick<MarketRecord, 'startMs' | 'stepMinutes' | 'rtUsdPerMwh'>,
  rules: PublicationRules,
  thresholdUsdPerMwh: number,
): GridEventRecord[] {
  const stepMs = grid.stepMinutes * 60_000;
  const delayMs = rules.rtPublicationDelayMinutes * 60_000;
  const publishedMs = (i: number) => grid.startMs + (i + 1) * stepMs + delayMs;
  const events: GridEventRecord[] = [];
  const prices = grid.rtUsdPerMwh;
  for (let i = 0; i < prices.length; i += 1) {
    if (prices[i]! < thresholdUsdPerMwh) continue;
    let end = i;
    while (end < prices.length && prices[end]! >= thresholdUsdPerMwh) end += 1;
    events.push({
      kind: 'dr-deployment',
      noticeMs: publishedMs(i),
      startMs: grid.startMs + i * stepMs,
      endMs: grid.startMs + end * stepMs,
      recallNoticeMs: publishedMs(end),
    });
    i = end;
  }
  return events;
}

/** Whether a recorded deployment covers `atMs` (the truth, for scoring). */
export function deployedAt(events: readonly GridEventRecord[], atMs: number): boolean {
  return events.some((e) => e.startMs <= atMs && atMs < e.endMs);
}
