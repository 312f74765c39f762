import { fourCpUsdPerMwPerPeak } from '../economics/transmission.js';
import { forecastOfRecord, intervalPeakProbability } from '../forecast/four-cp.js';
import type { Plan } from '../model/plan.js';
import type { Site } from '../model/site.js';
import { type FourCpEventDetail, fourCpEvent, type GridEvent } from './grid-event.js';

/**
 * The 4CP curtailments a plan decides, as grid events. Decided in the control plane, where both facts are known: the
 * planner holds the 4CP forecast it weighed (the plan's `fourCp` record) and the power it plans per interval; the
 * gateway only follows setpoints and cannot tell a 4CP curtailment from a price one.
 *
 * A window is a run of plan intervals in forecast hours whose peak probability is at least `minProbability`, where
 * the planned site power (facility power, as the plan states it) is below the interval just before the run. Its
 * committed MW is the mean planned drop from that interval. Windows are recorded once their start is within `leadMs`
 * of the plan's horizon: the decision then is the one carried out, where a window hours away may still move with the
 * next forecast. A plan whose horizon starts inside a window has no interval before it and records nothing (the
 * plan before it recorded the window). Pure.
 */
export interface FourCpEventSettings {
  /**
   * Hourly peak probability from which a curtailment counts as 4CP's: the breakeven of the forecaster's scoring
   * (0.0042: a $70/MWh mining margin against $66/kW-year; npm run forecast:four-cp). Below it the planner's 4CP term
   * is too small to be the reason.
   */
  readonly minProbability: number;
  readonly leadMs: number;
  /** A planned drop smaller than this is no curtailment (solver noise), kW. */
  readonly minDropKw: number;
}

export const DEFAULT_FOUR_CP_EVENT_SETTINGS: FourCpEventSettings = {
  minProbability: 0.0042,
  leadMs: 60 * 60_000,
  minDropKw: 1,
};

const HOUR_MS = 3_600_000;

export function fourCpCurtailments(
  plan: Plan,
  sites: readonly Site[],
  settings: FourCpEventSettings = DEFAULT_FOUR_CP_EVENT_SETTINGS,
): GridEvent[] {
  if (!plan.fourCp) return [];
  const record = plan.fourCp;
  const forecast = forecastOfRecord(record);
  const hourProbability = (atMs: number) => {
    const lead = Math.floor((atMs - forecast.startMs) / HOUR_MS);
    return lead < 0 ? 0 : (forecast.peakProbability[lead] ?? 0);
  };
  const horizonMs = Date.parse(plan.horizonStart);
  const stepMs = plan.intervalMinutes * 60_000;
  const events: GridEvent[] = [];
  for (const sitePlan of plan.sites) {
    const site = sites.find((s) => s.id === sitePlan.siteId);
    if (!site) continue;
    const intervals = sitePlan.intervals;
    const atMs = (k: number) => Date.parse(intervals[k]!.startsAt);
    let i = 1;
    while (i < intervals.length && atMs(i) - horizonMs <= settings.leadMs) {
      const referenceKw = intervals[i - 1]!.sitePowerKw;
      const curtailed = (k: number) =>
        hourProbability(atMs(k)) >= settings.minProbability &&
        intervals[k]!.sitePowerKw <= referenceKw - settings.minDropKw;
      if (!curtailed(i)) {
        i += 1;
        continue;
      }
      let end = i;
      while (end < intervals.length && curtailed(end)) end += 1;
      const run = intervals.slice(i, end);
      const startMs = atMs(i);
      const endMs = atMs(end - 1) + stepMs;
      const committedMw =
        run.reduce((mw, interval) => mw + (referenceKw - interval.sitePowerKw) / 1000, 0) / run.length;
      const peakProbability = Math.min(
        1,
        run.reduce(
          (p, interval) => p + intervalPeakProbability(forecast, Date.parse(interval.startsAt), plan.intervalMinutes),
          0,
        ),
      );
      const hours: FourCpEventDetail['hours'] = [];
      for (let h = Math.floor((startMs - forecast.startMs) / HOUR_MS); forecast.startMs + h * HOUR_MS < endMs; h += 1) {
        const hourMs = forecast.startMs + h * HOUR_MS;
        hours.push({ startAt: new Date(hourMs).toISOString(), peakProbability: hourProbability(hourMs) });
      }
      const usdPerMwPerPeak = fourCpUsdPerMwPerPeak(site);
      events.push(
        fourCpEvent(
          site.id,
          { startAt: new Date(startMs).toISOString(), endAt: new Date(endMs).toISOString(), committedMw },
          {
            planVersion: plan.version,
            forecastAt: record.forecastAt,
            loadKnownTo: record.loadKnownTo,
            peakProbability,
            hours,
            usdPerMwPerPeak,
            expectedChargeAvoidedUsd: Math.round(peakProbability * committedMw * usdPerMwPerPeak * 100) / 100,
          },
        ),
      );
      i = end;
    }
  }
  return events;
}
