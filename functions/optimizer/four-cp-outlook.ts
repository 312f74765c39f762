import {
  ERCOT_FOUR_CP,
  FOUR_CP_MAX_FORECAST_HOURS,
  type FourCpForecast,
  type FourCpRules,
  fourCpAt,
} from '../../core/forecast/four-cp.js';
import { SYSTEM_LOAD_HISTORY_KEY } from '../../core/market-data/history.js';
import type { MarketHistoryStore } from '../shared/data/market-history-store.js';

const HOUR_MS = 3_600_000;
/** The month's running peak (31 days) plus two weeks of error and daily-peak history; within the store's 40 days. */
export const SYSTEM_LOAD_HISTORY_DAYS = 38;
/** The planner's 24-hour horizon plus the hours before the decision whose load is not yet known. */
const FORECAST_HOURS = 30;
const PLANNER_HORIZON_HOURS = 24;

/**
 * The 4CP forecast for a dispatch: the ERCOT system load stored in the market history (hourly points under
 * SYSTEM_LOAD_HISTORY_KEY), through the forecaster's known-at rule (an hour's load is read only once it is published,
 * whatever the store already holds), from the newest unbroken run of hours. Undefined without a week of load, or when
 * the newest known hour is so old that the forecast would run past FOUR_CP_MAX_FORECAST_HOURS.
 */
export async function fourCpOutlook(
  history: Pick<MarketHistoryStore, 'read'>,
  nowMs: number,
  rules: FourCpRules = ERCOT_FOUR_CP,
): Promise<FourCpForecast | undefined> {
  const points = (await history.read(SYSTEM_LOAD_HISTORY_KEY, nowMs - SYSTEM_LOAD_HISTORY_DAYS * 86_400_000, nowMs))
    .filter((p) => p.systemLoadMw !== undefined && p.intervalStartMs % HOUR_MS === 0)
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  // The newest unbroken run: a missing hour would shift every lag the forecaster reads.
  let first = points.length - 1;
  while (first > 0 && points[first - 1]!.intervalStartMs === points[first]!.intervalStartMs - HOUR_MS) first -= 1;
  const run = points.slice(Math.max(0, first));
  if (run.length === 0) return undefined;
  const record = { startMs: run[0]!.intervalStartMs, stepMinutes: 60, values: run.map((p) => p.systemLoadMw!) };
  // ERCOT's report (NP6-345-CD) posts the previous operating day: up to two days may be unknown, so the forecast runs
  // from the first unknown hour through the horizon's end.
  const knownEndMs = Math.min(
    run.at(-1)!.intervalStartMs + HOUR_MS,
    Math.floor((nowMs - rules.loadPublicationDelayMinutes * 60_000) / HOUR_MS) * HOUR_MS,
  );
  const hours = Math.max(FORECAST_HOURS, Math.ceil((nowMs - knownEndMs) / HOUR_MS) + PLANNER_HORIZON_HOURS);
  // Load known only to more than a week before the horizon's end (a feed down for days, a platform started on old
  // history) forecasts nothing worth holding load for: the plan goes without 4CP rather than failing.
  if (hours > FOUR_CP_MAX_FORECAST_HOURS) return undefined;
  return fourCpAt(record, rules, nowMs, hours);
}
