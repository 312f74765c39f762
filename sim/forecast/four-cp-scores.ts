import {
  DEFAULT_FOUR_CP_SETTINGS,
  type FourCpRules,
  type FourCpSettings,
  fourCpAt,
  intervalPeakProbability,
  type MonthlyPeak,
} from '../../core/forecast/four-cp.js';
import type { RegularSeries } from '../../core/market-data/series.js';
import { localWallMinutes } from '../../core/market-data/time-zone.js';

const HOUR_MS = 3_600_000;

/** The walk forward: at the start of each hour of the peak months, the probability that this hour holds the peak. */
export interface HourCall {
  readonly hourStartMs: number;
  readonly month: string;
  readonly probability: number;
}

/**
 * Decides at the start of every hour of the peak months, each time from the load known then (fourCpAt), the
 * probability that the hour now starting holds its month's peak.
 */
export function walkForward(
  record: RegularSeries,
  rules: FourCpRules,
  settings: FourCpSettings = DEFAULT_FOUR_CP_SETTINGS,
): HourCall[] {
  const calls: HourCall[] = [];
  for (let i = 0; i < record.values.length; i += 1) {
    const hourStartMs = record.startMs + i * HOUR_MS;
    const month = monthKey(hourStartMs, rules.timeZone);
    if (!rules.months.includes(Number(month.slice(5)))) continue;
    const forecast = fourCpAt(record, rules, hourStartMs, 2, settings);
    calls.push({ hourStartMs, month, probability: intervalPeakProbability(forecast, hourStartMs, 60) });
  }
  return calls;
}

export function monthKey(atMs: number, timeZone: string): string {
  const local = new Date(localWallMinutes(atMs, timeZone) * 60_000);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

export interface SummerScore {
  readonly summer: number;
  readonly threshold: number;
  /** Peak months of the summer in the record. */
  readonly peaks: number;
  /** Peak hours curtailed (the hour's probability at its start at or above the threshold). */
  readonly peaksCaught: number;
  readonly hoursCurtailed: number;
  /** Hours curtailed per peak caught (null: none caught). */
  readonly hoursPerPeakCaught: number | null;
  /** Days with a curtailed hour. */
  readonly alarmDays: number;
  /** Alarm days that did not hold their month's peak. */
  readonly falseAlarmDays: number;
  /** Σ probability over the summer's hours: four when calibrated. */
  readonly expectedPeaks: number;
  /** Σ probability per month: one when calibrated. */
  readonly expectedByMonth: Readonly<Record<string, number>>;
}

/** Peaks caught, hours curtailed per peak caught and false alarms, per summer, when hours at ≥ `threshold` curtail. */
export function scoreSummers(
  calls: readonly HourCall[],
  peaks: readonly MonthlyPeak[],
  threshold: number,
  timeZone: string,
): SummerScore[] {
  const summers = [...new Set(calls.map((c) => Number(c.month.slice(0, 4))))].sort();
  const dayOf = (atMs: number) => Math.floor(localWallMinutes(atMs, timeZone) / 1440);
  return summers.map((summer) => {
    const mine = calls.filter((c) => c.month.startsWith(`${summer}-`));
    const summerPeaks = peaks.filter((p) => p.month.startsWith(`${summer}-`));
    const curtailed = mine.filter((c) => c.probability >= threshold);
    const peakHours = new Set(summerPeaks.map((p) => p.hourStartMs));
    const peakDays = new Set(summerPeaks.map((p) => dayOf(p.hourStartMs)));
    const alarmDays = new Set(curtailed.map((c) => dayOf(c.hourStartMs)));
    const caught = curtailed.filter((c) => peakHours.has(c.hourStartMs)).length;
    const expectedByMonth: Record<string, number> = {};
    for (const c of mine) expectedByMonth[c.month] = (expectedByMonth[c.month] ?? 0) + c.probability;
    return {
      summer,
      threshold,
      peaks: summerPeaks.length,
      peaksCaught: caught,
      hoursCurtailed: curtailed.length,
      hoursPerPeakCaught: caught > 0 ? curtailed.length / caught : null,
      alarmDays: alarmDays.size,
      falseAlarmDays: [...alarmDays].filter((d) => !peakDays.has(d)).length,
      expectedPeaks: mine.reduce((a, c) => a + c.probability, 0),
      expectedByMonth,
    };
  });
}
