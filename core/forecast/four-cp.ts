import { z } from 'zod';
import type { RegularSeries } from '../market-data/series.js';
import { localWallMinutes } from '../market-data/time-zone.js';
import { isoInstantSchema, nonNegative } from '../support/schema.js';

/**
 * ERCOT 4CP: a transmission customer's yearly transmission charge is set by its load in the four coincident peaks,
 * the 15-minute interval of ERCOT's system peak in each of June, July, August and September. This forecaster gives,
 * for the current and the coming hours, the probability that the hour holds its month's coincident peak.
 *
 * What is known when: the hourly system load of an hour is known `loadPublicationDelayMinutes` after the hour ends.
 * ERCOT shows real-time system load continuously (its EWS SystemLoad interface and dashboard) and posts the hourly
 * actual load by weather zone for the previous operating day (NP6-345-CD, NPRR481); one hour after the hour is taken
 * as a conservative stand-in for "shortly after the hour". A forecast at `asOfMs` is handed `knownSystemLoad(...)`
 * and nothing else. No temperature is used: the shipped data have none for the load years (the price file's
 * temperatures are 2024–25); the load's own recent level carries the weather of the day.
 *
 * The data are hourly averages: a 15-minute peak cannot be told apart inside its hour. The month's peak hour is taken
 * to hold the month's 15-minute peak (the hourly average of the peak hour is the month's highest, and the 15-minute
 * peak lies in it unless two adjacent hours are within a few hundred MW), and each of its four intervals is equally
 * likely to be the one: an interval's probability is its hour's × stepMinutes / 60 (`intervalPeakProbability`), so
 * expected peaks stay one per month on any grid, and curtailing the whole hour is what catches the peak.
 *
 * The model, per decision:
 * 1. The coming hours' load: the same hour of the latest earlier day of the same kind (weekday / weekend; Monday
 *    looks back to Friday), scaled by how the last three known hours compare with theirs (recent level).
 * 2. Its error: the same forecast's relative error by lead, measured on the last `errorDays` days of known load.
 * 3. The month's running peak R (the known hours of the month) and, for the days of the month past the forecast
 *    window, the spread of the last `climatologyDays` days' daily peaks.
 * 4. P(hour h holds the peak) = P(L_h > R, L_h > every other hour of the window in the month, L_h > each later
 *    day's peak), with independent normal errors, integrated over L_h. Time of day and weekday enter through the
 *    load shape; a weekend or an evening hour simply has a forecast well below the afternoon's.
 */
export interface FourCpRules {
  /** Minutes after an hour ends until its system load is known. */
  readonly loadPublicationDelayMinutes: number;
  /** Zone of the calendar months and days. */
  readonly timeZone: string;
  /** Calendar months (1–12) whose peaks set the charge. */
  readonly months: readonly number[];
}

export const ERCOT_FOUR_CP: FourCpRules = {
  loadPublicationDelayMinutes: 60,
  timeZone: 'America/Chicago',
  months: [6, 7, 8, 9],
};

export interface FourCpSettings {
  /** Hours forecast explicitly from the first unknown hour; later days of the month enter by their daily peaks. */
  readonly windowHours: number;
  /** Days of known load the forecast error is measured on. */
  readonly errorDays: number;
  /** Days of known daily peaks standing for the month's later days. */
  readonly climatologyDays: number;
  /** Floor on the relative forecast error (a perfect recent fit is luck). */
  readonly minRelativeError: number;
}

export const DEFAULT_FOUR_CP_SETTINGS: FourCpSettings = {
  windowHours: 48,
  errorDays: 14,
  climatologyDays: 14,
  minRelativeError: 0.01,
};

const HOUR_MS = 3_600_000;
const LEVEL_HOURS = 3;
const QUADRATURE_POINTS = 48;

/** How many hours of the record are known at `asOfMs`: those that ended `loadPublicationDelayMinutes` before it. */
export function knownHours(record: RegularSeries, rules: FourCpRules, asOfMs: number): number {
  hourly(record);
  const end = Math.floor((asOfMs - rules.loadPublicationDelayMinutes * 60_000 - record.startMs) / HOUR_MS);
  return Math.max(0, Math.min(record.values.length, end));
}

/** The hours of system load known at `asOfMs` (knownHours). */
export function knownSystemLoad(record: RegularSeries, rules: FourCpRules, asOfMs: number): RegularSeries {
  return { ...record, values: record.values.slice(0, knownHours(record, rules, asOfMs)) };
}

export interface FourCpForecast {
  /** Start of the first hour forecast: the first hour whose load is not known. */
  readonly startMs: number;
  /** Forecast load per hour, MW. */
  readonly loadMw: readonly number[];
  /** Per hour: the probability it holds its month's coincident peak (0 outside the peak months). */
  readonly peakProbability: readonly number[];
  /** The highest known hour of the month of the first forecast hour (0 when none is known yet). */
  readonly runningPeakMw: number;
}

interface LocalHour {
  readonly day: number;
  readonly month: number;
  readonly monthKey: number;
  readonly weekend: boolean;
}

/** Calendar of each UTC hour met, per zone: a walk forward asks for the same hours thousands of times. */
const calendarCache = new Map<string, Map<number, LocalHour>>();

function localHour(atMs: number, timeZone: string): LocalHour {
  let zone = calendarCache.get(timeZone);
  if (!zone || zone.size > 100_000) {
    zone = new Map();
    calendarCache.set(timeZone, zone);
  }
  let at = zone.get(atMs);
  if (!at) {
    at = computeLocalHour(atMs, timeZone);
    zone.set(atMs, at);
  }
  return at;
}

function computeLocalHour(atMs: number, timeZone: string): LocalHour {
  const minutes = localWallMinutes(atMs, timeZone);
  const day = Math.floor(minutes / 1440);
  const date = new Date(day * 86_400_000);
  // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return {
    day,
    month: date.getUTCMonth() + 1,
    monthKey: date.getUTCFullYear() * 12 + date.getUTCMonth(),
    weekend: weekday === 0 || weekday === 6,
  };
}

/** Hours back to the same hour of the latest earlier day of the same kind. */
function referenceLagHours(at: LocalHour): number {
  const weekday = (((at.day + 4) % 7) + 7) % 7;
  if (weekday === 1) return 72; // Monday: Friday
  if (weekday === 6) return 24 * 6; // Saturday: the Sunday before
  return 24; // Tuesday–Friday: the day before; Sunday: Saturday
}

function hourly(series: RegularSeries): void {
  if (series.stepMinutes !== 60)
    throw new RangeError(`four-cp: system load must be hourly, not ${series.stepMinutes}-minute`);
}

/**
 * Load forecast for `hours` hours from index `origin` of `values` (only values before `origin` are read): the
 * reference day's hour (forecast itself when not yet known) times the recent level ratio. Undefined without enough
 * history (a week).
 */
function forecastFrom(
  values: readonly number[],
  origin: number,
  hours: number,
  calendar: (index: number) => LocalHour,
): number[] | undefined {
  if (origin < 24 * 7 + LEVEL_HOURS) return undefined;
  const lag = (i: number) => referenceLagHours(calendar(i));
  let ratio = 0;
  for (let k = origin - LEVEL_HOURS; k < origin; k += 1) ratio += values[k]! / values[k - lag(k)]! / LEVEL_HOURS;
  const out: number[] = [];
  const value = (i: number): number => (i < origin ? values[i]! : out[i - origin]!);
  for (let i = origin; i < origin + hours; i += 1) {
    // A reference inside the forecast is itself a forecast (already scaled): take it as is.
    const ref = i - lag(i);
    out.push(ref < origin ? value(ref) * ratio : value(ref));
  }
  return out;
}

/** Relative RMS error of `forecastFrom` by lead, measured on known hours only. */
function errorByLead(
  values: readonly number[],
  hours: number,
  days: number,
  calendar: (index: number) => LocalHour,
  floor: number,
): number[] {
  const sums = new Array<number>(hours).fill(0);
  const counts = new Array<number>(hours).fill(0);
  const lastOrigin = values.length - 1;
  for (let origin = Math.max(0, values.length - days * 24); origin <= lastOrigin; origin += 1) {
    const f = forecastFrom(values, origin, Math.min(hours, values.length - origin), calendar);
    if (!f) continue;
    f.forEach((forecast, lead) => {
      const e = (values[origin + lead]! - forecast) / forecast;
      sums[lead]! += e * e;
      counts[lead]! += 1;
    });
  }
  let last = floor;
  return sums.map((sum, lead) => {
    // Leads without enough samples take the last measured one, never less than the floor; errors grow with lead.
    if (counts[lead]! >= 24) last = Math.max(last, Math.sqrt(sum / counts[lead]!), floor);
    return last;
  });
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The 4CP forecast from the known system load (`knownSystemLoad(record, rules, asOfMs)`): `hours` hours from the
 * first unknown hour. Undefined with under a week of history.
 */
export function forecastFourCp(
  known: RegularSeries,
  rules: FourCpRules,
  hours: number,
  settings: FourCpSettings = DEFAULT_FOUR_CP_SETTINGS,
): FourCpForecast | undefined {
  hourly(known);
  const values = known.values;
  const origin = values.length;
  const calendar = (i: number) => localHour(known.startMs + i * HOUR_MS, rules.timeZone);
  const window = Math.max(hours, settings.windowHours);
  const loadMw = forecastFrom(values, origin, window, calendar);
  if (!loadMw) return undefined;
  const startMs = known.startMs + origin * HOUR_MS;
  const sigma = errorByLead(values, window, settings.errorDays, calendar, settings.minRelativeError);
  const monthOf = (i: number) => calendar(i).monthKey;
  // The running peak of each month met in the window: the known hours of that month.
  const runningPeak = (monthKey: number) => {
    let peak = 0;
    for (let i = origin - 1; i >= 0 && monthOf(i) === monthKey; i -= 1) peak = Math.max(peak, values[i]!);
    return peak;
  };
  const dailyPeaks = new Map<number, number>();
  for (let i = Math.max(0, origin - settings.climatologyDays * 24 - 24); i < origin; i += 1) {
    const day = calendar(i).day;
    dailyPeaks.set(day, Math.max(dailyPeaks.get(day) ?? 0, values[i]!));
  }
  const lastKnownDay = calendar(origin - 1).day;
  // Only whole days: the day still running has hours to come.
  const peaks = [...dailyPeaks].filter(([day]) => day < lastKnownDay).map(([, peak]) => peak);
  const mean = peaks.reduce((a, b) => a + b, 0) / Math.max(1, peaks.length);
  const spread = Math.max(
    mean * settings.minRelativeError,
    Math.sqrt(peaks.reduce((a, p) => a + (p - mean) ** 2, 0) / Math.max(1, peaks.length - 1)),
  );
  const windowEnd = origin + window;
  const peakProbability = loadMw.slice(0, hours).map((forecast, lead) => {
    const i = origin + lead;
    const at = calendar(i);
    if (!rules.months.includes(at.month)) return 0;
    const monthKey = at.monthKey;
    const rivals: Array<{ mean: number; sd: number }> = [];
    for (let j = origin; j < windowEnd; j += 1) {
      if (j !== i && monthOf(j) === monthKey)
        rivals.push({ mean: loadMw[j - origin]!, sd: loadMw[j - origin]! * sigma[j - origin]! });
    }
    // Days of the month after the window, each with one daily peak drawn from the recent ones.
    let laterHours = 0;
    for (let j = windowEnd; monthOf(j) === monthKey && laterHours < 24 * 31; j += 1) laterHours += 1;
    const laterDays = laterHours / 24;
    const floorMw = runningPeak(monthKey);
    const sd = forecast * sigma[lead]!;
    const from = Math.max(floorMw, forecast - 5 * sd);
    const to = forecast + 5 * sd;
    if (from >= to) return 0;
    const dx = (to - from) / QUADRATURE_POINTS;
    let p = 0;
    for (let q = 0; q < QUADRATURE_POINTS; q += 1) {
      const x = from + (q + 0.5) * dx;
      const z = (x - forecast) / sd;
      let beat = Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
      for (const r of rivals) beat *= normalCdf((x - r.mean) / r.sd);
      if (laterDays > 0) beat *= normalCdf((x - mean) / spread) ** laterDays;
      p += beat * dx;
    }
    return Math.min(1, Math.max(0, p));
  });
  return { startMs, loadMw: loadMw.slice(0, hours), peakProbability, runningPeakMw: runningPeak(monthOf(origin)) };
}

/** The forecast at `asOfMs` from a whole record, through the known-at rule: what a decision then could compute. */
export function fourCpAt(
  record: RegularSeries,
  rules: FourCpRules,
  asOfMs: number,
  hours: number,
  settings: FourCpSettings = DEFAULT_FOUR_CP_SETTINGS,
): FourCpForecast | undefined {
  return forecastFourCp(knownSystemLoad(record, rules, asOfMs), rules, hours, settings);
}

/**
 * The probability that the interval of `stepMinutes` starting at `atMs` is its month's 15-minute coincident peak:
 * its hour's probability shared evenly over the hour's intervals. 0 outside the forecast.
 */
export function intervalPeakProbability(
  forecast: FourCpForecast | undefined,
  atMs: number,
  stepMinutes: number,
): number {
  if (!forecast) return 0;
  const lead = Math.floor((atMs - forecast.startMs) / HOUR_MS);
  const p = forecast.peakProbability[lead];
  return p === undefined || lead < 0 ? 0 : (p * Math.min(60, stepMinutes)) / 60;
}

/** One month's coincident peak in a record: the month's highest hour. */
export interface MonthlyPeak {
  /** YYYY-MM in the rules' zone. */
  readonly month: string;
  readonly hourStartMs: number;
  readonly loadMw: number;
  /** Whether the record covers the whole month (otherwise the peak may not be final). */
  readonly complete: boolean;
}

/** The peak hour of each peak month the record touches (what the forecaster is scored against). */
export function monthlyPeaks(record: RegularSeries, rules: FourCpRules): MonthlyPeak[] {
  hourly(record);
  const byMonth = new Map<number, { month: number; first: number; last: number; peak: number }>();
  record.values.forEach((mw, i) => {
    const at = localHour(record.startMs + i * HOUR_MS, rules.timeZone);
    if (!rules.months.includes(at.month)) return;
    const m = byMonth.get(at.monthKey) ?? { month: at.month, first: i, last: i, peak: i };
    m.last = i;
    if (mw > record.values[m.peak]!) m.peak = i;
    byMonth.set(at.monthKey, m);
  });
  return [...byMonth].map(([monthKey, m]) => {
    const before =
      m.first > 0 ? localHour(record.startMs + (m.first - 1) * HOUR_MS, rules.timeZone).monthKey : undefined;
    const after =
      m.last + 1 < record.values.length
        ? localHour(record.startMs + (m.last + 1) * HOUR_MS, rules.timeZone).monthKey
        : undefined;
    return {
      month: `${Math.floor(monthKey / 12)}-${String((monthKey % 12) + 1).padStart(2, '0')}`,
      hourStartMs: record.startMs + m.peak * HOUR_MS,
      loadMw: record.values[m.peak]!,
      complete: before !== undefined && before !== monthKey && after !== undefined && after !== monthKey,
    };
  });
}

/**
 * The 4CP forecast a plan was made with, as the plan stores it (core/model/plan.ts `fourCp`): why the planner held load
 * back in an interval, checkable afterwards. Hourly, as the forecaster works; an interval's probability is its hour's
 * × stepMinutes / 60 (intervalPeakProbability).
 */
/** The longest forecast a plan records (a week of hours); the forecaster reads no further ahead than this. */
export const FOUR_CP_MAX_FORECAST_HOURS = 168;

export const fourCpRecordSchema = z.strictObject({
  /** The decision instant the forecast was computed at. */
  forecastAt: isoInstantSchema,
  /** The end of the newest hour of system load the forecast read (known-at: every later hour was unknown to it). */
  loadKnownTo: isoInstantSchema,
  /** Start of the first forecast hour (= loadKnownTo: the first hour whose load was not known). */
  hourStartsAt: isoInstantSchema,
  /** Per hour from hourStartsAt: the probability it holds its month's coincident peak. */
  peakProbability: z.array(z.number().min(0).max(1)).max(FOUR_CP_MAX_FORECAST_HOURS),
  /** Per hour: the forecast system load, MW. */
  loadMw: z.array(nonNegative).max(FOUR_CP_MAX_FORECAST_HOURS),
  /** The month's highest known hour at the decision, MW. */
  runningPeakMw: nonNegative,
});
export type FourCpRecord = z.infer<typeof fourCpRecordSchema>;

/** The record a plan keeps of the forecast it used at `forecastAtMs`. */
export function fourCpRecord(forecast: FourCpForecast, forecastAtMs: number): FourCpRecord {
  const startsAt = new Date(forecast.startMs).toISOString();
  return {
    forecastAt: new Date(forecastAtMs).toISOString(),
    loadKnownTo: startsAt,
    hourStartsAt: startsAt,
    peakProbability: [...forecast.peakProbability],
    loadMw: [...forecast.loadMw],
    runningPeakMw: forecast.runningPeakMw,
  };
}

/** The forecast a stored record describes (what intervalPeakProbability reads). */
export const forecastOfRecord = (record: FourCpRecord): FourCpForecast => ({
  startMs: Date.parse(record.hourStartsAt),
  loadMw: record.loadMw,
  peakProbability: record.peakProbability,
  runningPeakMw: record.runningPeakMw,
});
