import { z } from 'zod';
import { shiftLocalDays } from '../market-data/time-zone.js';
import type { Site } from '../model/site.js';
import { isoInstantSchema, nonNegative } from '../support/schema.js';
import { isWeekend, localCalendar, MS_PER_MINUTE } from '../synthetic/calendar.js';
import type { GridEvent } from './grid-event.js';
import { type MeterReading, meanKw } from './telemetry.js';

/**
 * The baseline of a grid event: what the site would have drawn had it not responded. Three named methods:
 *
 * - `ers-middle-8-of-10-like-days`, ERCOT's ERS baseline for Loads (ERCOT, "Emergency Response Service Technical
 *   Requirements & Scope of Work", section "Baselines for ERS Loads"; ERCOT "Default Baseline Methodology", one of its
 *   three default types beside the statistical regression and the matching day pair; performance evaluated per Nodal
 *   Protocols 8.1.3.1, Performance Criteria for ERS Resources). Per 15-minute interval of the event: the load of the
 *   same interval on the 10 preceding like days (weekdays for a weekday, weekend days for a weekend day, in the site's
 *   time zone), the highest and lowest dropped and the middle 8 averaged; then the event-day adjustment, scaling the
 *   whole baseline by the ratio of the event day's actual load to the baseline in the 2 hours before deployment (HCP
 *   uses 2 h; ERCOT's adjustment window is set per baseline review). Needs 10 like days of meter data covering the
 *   event's intervals and the adjustment window.
 * - `load-resource-telemetry`, the measure ERCOT applies to a Load Resource deployed for RRS, ECRS or Non-Spin (Nodal
 *   Protocols 8.1.1.4.x, Load Resource performance for Ancillary Service deployments; 8.1.1.3 on telemetry): the
 *   reduction in its telemetered real-power consumption from the last value before the deployment instruction.
 * - `meter-before`, the named fallback: the mean of the site meter over the `METER_BEFORE_MINUTES` before the start,
 *   held flat through the event. Used for price and 4CP curtailments (no program measures them), and for an ERS event
 *   when the 10 like days are not in the data (the report names the reason).
 */
export const baselineMethodSchema = z.enum(['ers-middle-8-of-10-like-days', 'load-resource-telemetry', 'meter-before']);
export type BaselineMethod = z.infer<typeof baselineMethodSchema>;

export const METER_BEFORE_MINUTES = 15;
const INTERVAL_MS = 15 * MS_PER_MINUTE;
const LIKE_DAYS = 10;
/** How far back like days are looked for: weekends and holidays skip days. */
export const LIKE_DAY_SEARCH_DAYS = 30;
export const ADJUSTMENT_WINDOW_MS = 2 * 60 * MS_PER_MINUTE;

export const BASELINE_CITATIONS: Readonly<Record<BaselineMethod, string>> = {
  'ers-middle-8-of-10-like-days':
    'ERCOT, Emergency Response Service Technical Requirements & Scope of Work, "Baselines for ERS Loads"; ERCOT Default Baseline Methodology (Middle 8-of-10 Preceding Like Days, with event-day adjustment); ERCOT Nodal Protocols 8.1.3.1',
  'load-resource-telemetry':
    'ERCOT Nodal Protocols 8.1.1.4.x (Load Resource performance in RRS, ECRS and Non-Spin deployments, from telemetered real-power consumption)',
  'meter-before': 'HCP fallback: mean site meter reading over the 15 minutes before the start, held flat',
};

export const baselineIntervalSchema = z.object({ startAt: isoInstantSchema, baselineKw: nonNegative });

export const baselineSchema = z.object({
  method: baselineMethodSchema,
  citation: z.string(),
  /** The method the event's program calls for, when another one had to be used. */
  wanted: baselineMethodSchema.optional(),
  /** Why the wanted method could not be used (which data was missing). */
  fallbackReason: z.string().optional(),
  /** Flat methods: one value; the like-day method: one per 15-minute interval. */
  intervals: z.array(baselineIntervalSchema).min(1),
  /** The like days used (local dates), for the like-day method. */
  likeDays: z.array(z.string()).optional(),
  /** The event-day adjustment factor applied, for the like-day method. */
  adjustment: z.number().optional(),
});
export type Baseline = z.infer<typeof baselineSchema>;

/** The baseline at an instant: the interval holding it (the first before the first interval, the last after). */
export function baselineKwAt(baseline: Baseline, atMs: number): number {
  let value = baseline.intervals[0]!.baselineKw;
  for (const interval of baseline.intervals) {
    if (Date.parse(interval.startAt) <= atMs) value = interval.baselineKw;
  }
  return value;
}

/** The method an event's program calls for. */
export function wantedMethod(event: Pick<GridEvent, 'program'>): BaselineMethod {
  if (event.program === 'ERS') return 'ers-middle-8-of-10-like-days';
  if (event.program === 'RRS' || event.program === 'ECRS' || event.program === 'NSRS') return 'load-resource-telemetry';
  return 'meter-before';
}

type Attempt = { readonly baseline: Omit<Baseline, 'citation' | 'method'> } | { readonly missing: string };

/** The event's baseline by the method its program calls for, else by meter-before with the reason. */
export function eventBaseline(event: GridEvent, site: Site, meter: readonly MeterReading[], endMs: number): Baseline {
  const startMs = Date.parse(event.startAt);
  const wanted = wantedMethod(event);
  const attempts: Record<BaselineMethod, () => Attempt> = {
    'ers-middle-8-of-10-like-days': () => middle8of10(meter, startMs, endMs, site.timeZone),
    'load-resource-telemetry': () => lastBefore(meter, startMs),
    'meter-before': () => meterBefore(meter, startMs),
  };
  const first = attempts[wanted]();
  if ('baseline' in first) return { method: wanted, citation: BASELINE_CITATIONS[wanted], ...first.baseline };
  const fallback = wanted === 'meter-before' ? first : meterBefore(meter, startMs);
  if (!('baseline' in fallback)) {
    throw new Error(`no baseline for ${event.id}: ${first.missing}; meter-before: ${fallback.missing}`);
  }
  return {
    method: 'meter-before',
    citation: BASELINE_CITATIONS['meter-before'],
    ...(wanted === 'meter-before' ? {} : { wanted, fallbackReason: first.missing }),
    ...fallback.baseline,
  };
}

const flat = (atMs: number, kw: number) => ({ intervals: [{ startAt: new Date(atMs).toISOString(), baselineKw: kw }] });

function meterBefore(meter: readonly MeterReading[], startMs: number): Attempt {
  const kw = meanKw(meter, startMs - METER_BEFORE_MINUTES * MS_PER_MINUTE, startMs);
  return kw === undefined
    ? { missing: `no meter reading in the ${METER_BEFORE_MINUTES} minutes before the start` }
    : { baseline: flat(startMs, kw) };
}

function lastBefore(meter: readonly MeterReading[], startMs: number): Attempt {
  const last = meter.filter((r) => Date.parse(r.at) < startMs).at(-1);
  return last
    ? { baseline: flat(startMs, last.sitePowerKw) }
    : { missing: 'no telemetered reading before the deployment' };
}

/** ERCOT's middle 8-of-10 preceding like days, with the event-day adjustment. */
export function middle8of10(meter: readonly MeterReading[], startMs: number, endMs: number, timeZone: string): Attempt {
  const weekend = isWeekend(localCalendar(startMs, timeZone));
  const firstIntervalMs = Math.floor(startMs / INTERVAL_MS) * INTERVAL_MS;
  const adjustFromMs = firstIntervalMs - ADJUSTMENT_WINDOW_MS;
  const intervalStarts: number[] = [];
  for (let t = firstIntervalMs; t < endMs; t += INTERVAL_MS) intervalStarts.push(t);
  // A like day's interval is the same Central (site) wall-clock time k calendar days before: across a DST change
  // that is 23 or 25 hours per day away, so a fixed 24 h shift would read the wrong hour.
  const likeDayStart = (t: number, k: number) => shiftLocalDays(t, -k, timeZone);
  const likeDayMeanKw = (t: number, k: number) => {
    const from = likeDayStart(t, k);
    return meanKw(meter, from, from + INTERVAL_MS);
  };
  const days: { k: number; date: string }[] = [];
  for (let k = 1; k <= LIKE_DAY_SEARCH_DAYS && days.length < LIKE_DAYS; k += 1) {
    const calendar = localCalendar(likeDayStart(startMs, k), timeZone);
    if (isWeekend(calendar) !== weekend) continue;
    // A like day must have the meter for every interval of the event and of the adjustment window.
    const covered = [...intervalStarts, ...windowStarts(adjustFromMs, firstIntervalMs)].every(
      (t) => likeDayMeanKw(t, k) !== undefined,
    );
    if (covered) days.push({ k, date: calendar.localDate });
  }
  if (days.length < LIKE_DAYS) {
    return {
      missing: `${days.length} of the ${LIKE_DAYS} preceding like days have meter data for the event's intervals (searched ${LIKE_DAY_SEARCH_DAYS} days back)`,
    };
  }
  const middleMean = (t: number) => {
    const loads = days.map((d) => likeDayMeanKw(t, d.k) as number);
    const middle = [...loads].sort((a, b) => a - b).slice(1, -1);
    return middle.reduce((s, kw) => s + kw, 0) / middle.length;
  };
  const adjustStarts = windowStarts(adjustFromMs, firstIntervalMs);
  const baselineBefore = adjustStarts.reduce((s, t) => s + middleMean(t), 0) / adjustStarts.length;
  const actualBefore = meanKw(meter, adjustFromMs, firstIntervalMs);
  if (actualBefore === undefined) return { missing: 'no meter reading in the 2 hours before the event (adjustment)' };
  const adjustment = baselineBefore > 0 ? actualBefore / baselineBefore : 1;
  return {
    baseline: {
      intervals: intervalStarts.map((t) => ({
        startAt: new Date(t).toISOString(),
        baselineKw: middleMean(t) * adjustment,
      })),
      likeDays: days.map((d) => d.date),
      adjustment,
    },
  };
}

function windowStarts(fromMs: number, toMs: number): number[] {
  const starts: number[] = [];
  for (let t = fromMs; t < toMs; t += INTERVAL_MS) starts.push(t);
  return starts;
}
