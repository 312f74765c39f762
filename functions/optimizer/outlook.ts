import { fitRidgeForecaster, type RidgeFit, ridgeForecasterFromFit } from '../../core/forecast/ridge.js';
import { seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import type { PriceForecaster } from '../../core/forecast/types.js';
import {
  ANCILLARY_HISTORY_FIELDS,
  ANCILLARY_HISTORY_KEY,
  type MarketHistoryPoint,
  viewFromHistory,
} from '../../core/market-data/history.js';
import { ERCOT_PUBLICATION, type KnownAtView, type PublicationRules } from '../../core/market-data/known-at.js';
import type { GridEvent, MarketSnapshot } from '../../core/model/market.js';
import { lastSettledForecaster } from '../../core/strategies/planner.js';
import type { ForecastFitStore, StoredForecastFit } from '../shared/data/forecast-fit-store.js';
import type { MarketHistoryStore } from '../shared/data/market-history-store.js';
import type { MarketOutlook } from './ports.js';

/** How the deployed planner reads the market history and when it falls back to a simpler forecaster. */
export interface OutlookSettings {
  /** The history's grid (ERCOT real-time settlement intervals). */
  readonly stepMinutes: number;
  readonly publication: PublicationRules;
  /** History read per dispatch: the ridge's 28 training days, a week of lags before them, and margin. */
  readonly historyDays: number;
  /** Newest published price older than this: the history is stale and the snapshot's price is held flat. */
  readonly maxDataAgeMinutes: number;
  /** A ridge fit whose refit time is older than this is stale (the refit runs every 6 h): seasonal naive instead. */
  readonly maxFitAgeHours: number;
  /** Under this much history, seasonal naive has no day to repeat: the last price is held flat. */
  readonly minSeasonalHistoryHours: number;
}

export const DEFAULT_OUTLOOK_SETTINGS: OutlookSettings = {
  stepMinutes: 15,
  publication: ERCOT_PUBLICATION,
  historyDays: 37,
  maxDataAgeMinutes: 120,
  maxFitAgeHours: 12,
  minSeasonalHistoryHours: 24,
};

const hasCapacityPrice = (p: MarketHistoryPoint) =>
  Object.values(ANCILLARY_HISTORY_FIELDS).some((field) => p[field] !== undefined);

/** The known-at view of a node's stored history at `nowMs`, with the snapshot's hashprice and deployments. */
export async function historyView(
  history: Pick<MarketHistoryStore, 'read'>,
  node: string,
  market: MarketSnapshot,
  nowMs: number,
  settings: OutlookSettings,
): Promise<KnownAtView | undefined> {
  // Day-ahead prices run up to two days past now once posted; the DAM capacity prices are one ERCOT-wide series, of
  // which only the intervals from the day before on can matter to a plan.
  const [own, marketWide] = await Promise.all([
    history.read(node, nowMs - settings.historyDays * 86_400_000, nowMs + 2 * 86_400_000),
    history.read(ANCILLARY_HISTORY_KEY, nowMs - 86_400_000, nowMs + 2 * 86_400_000),
  ]);
  const points = [...own, ...marketWide.filter(hasCapacityPrice)];
  return viewFromHistory(points, {
    stepMinutes: settings.stepMinutes,
    publication: settings.publication,
    asOfMs: nowMs,
    hashpriceUsdPerThDay: market.hashprice.hashpriceUsdPerThDay,
    gridEvents: knownDeployments(market, nowMs),
  })?.view;
}

/**
 * One node's outlook: its stored history as a known-at view and the forecaster for it. The scheduled fit (ridge) when
 * it is fresh; seasonal naive with a day of history; the last price held flat with less; the snapshot's price held
 * flat when the history is missing or stale. Never fits: a dispatch does not wait on a refit.
 */
export async function marketOutlook(
  deps: { readonly history: Pick<MarketHistoryStore, 'read'>; readonly fits?: Pick<ForecastFitStore, 'latest'> },
  node: string,
  market: MarketSnapshot,
  nowMs: number,
  settings: OutlookSettings = DEFAULT_OUTLOOK_SETTINGS,
): Promise<MarketOutlook> {
  const known = await historyView(deps.history, node, market, nowMs, settings);
  const fallback = snapshotOutlook(market, node, nowMs);
  if (!known || known.rtUsdPerMwh.length === 0) return fallback;
  const stepMs = known.stepMinutes * 60_000;
  const dataToMs = known.startMs + known.rtUsdPerMwh.length * stepMs;
  const data = {
    stepMinutes: known.stepMinutes,
    dataFrom: new Date(known.startMs).toISOString(),
    dataTo: new Date(dataToMs).toISOString(),
    dataAgeMinutes: Math.max(0, (nowMs - dataToMs) / 60_000),
  };
  if (data.dataAgeMinutes > settings.maxDataAgeMinutes) {
    return {
      ...fallback,
      forecast: {
        ...fallback.forecast,
        ...data,
        stepMinutes: fallback.forecast.stepMinutes,
        fallbackReason: `market history stale: newest price ${data.dataAgeMinutes.toFixed(0)} min old`,
      },
    };
  }
  const stored = await deps.fits?.latest(node);
  const fresh = stored && isFresh(stored, known, nowMs, settings) ? stored : undefined;
  if (fresh) {
    const forecaster = preferredForecaster(fresh.fit);
    return {
      known,
      forecaster,
      forecast: {
        forecaster: forecaster.name,
        ...data,
        fitWindow: {
          from: new Date(fresh.fit.fitFromMs).toISOString(),
          to: new Date(fresh.fit.refitAtMs).toISOString(),
        },
        fittedAt: new Date(fresh.fittedAtMs).toISOString(),
      },
    };
  }
  const reason = stored
    ? `ridge fit of ${new Date(stored.fit.refitAtMs).toISOString()} is stale`
    : 'no ridge fit stored yet';
  const historyHours = (known.rtUsdPerMwh.length * known.stepMinutes) / 60;
  const forecaster = historyHours >= settings.minSeasonalHistoryHours ? seasonalNaiveForecaster : lastSettledForecaster;
  return { known, forecaster, forecast: { forecaster: forecaster.name, fallbackReason: reason, ...data } };
}

/**
 * The forecaster the deployed planner prefers, from the scheduled fit: the backtest's default mpc forecaster built on
 * the stored coefficients (sim/backtest/strategy-catalogue.ts DEFAULT_FORECASTER). Change both together.
 */
function preferredForecaster(fit: RidgeFit): PriceForecaster {
  return ridgeForecasterFromFit(fit);
}

function isFresh(stored: StoredForecastFit, known: KnownAtView, nowMs: number, settings: OutlookSettings): boolean {
  return (
    stored.fit.stepMinutes === known.stepMinutes &&
    stored.fit.refitAtMs <= nowMs &&
    nowMs - stored.fit.refitAtMs <= settings.maxFitAgeHours * 3_600_000
  );
}

/**
 * The scheduled refit, one node: the ridge fit a forecast from the history now would make, stored with its window.
 * Nothing is stored with under three days of history (dispatch then stays on its fallback).
 */
export async function refitNode(
  deps: { readonly history: Pick<MarketHistoryStore, 'read'>; readonly fits: Pick<ForecastFitStore, 'put'> },
  node: string,
  market: MarketSnapshot,
  nowMs: number,
  settings: OutlookSettings = DEFAULT_OUTLOOK_SETTINGS,
): Promise<StoredForecastFit | undefined> {
  const known = await historyView(deps.history, node, market, nowMs, settings);
  const fit = known ? fitRidgeForecaster(known) : undefined;
  if (!fit) return undefined;
  const stored: StoredForecastFit = { node, fittedAtMs: nowMs, fit };
  await deps.fits.put(stored);
  return stored;
}

/** The market's grid when no history is stored: ERCOT's real-time settlement interval. */
const SNAPSHOT_STEP_MINUTES = 15;

/**
 * The fallback outlook: the snapshot's price as the one known interval, held flat by the planner's `last-settled`
 * forecaster; its demand-response events in force as known deployments.
 */
export function snapshotOutlook(market: MarketSnapshot, node: string, nowMs: number): MarketOutlook {
  const price = market.prices.find((p) => p.node === node)?.realTimeUsdPerMwh;
  if (price === undefined) throw new RangeError(`market snapshot ${market.at} has no price at ${node}`);
  const stepMs = SNAPSHOT_STEP_MINUTES * 60_000;
  const decisionMs = Math.floor(nowMs / stepMs) * stepMs;
  const known: KnownAtView = {
    asOfMs: nowMs,
    startMs: decisionMs - stepMs,
    stepMinutes: SNAPSHOT_STEP_MINUTES,
    rtUsdPerMwh: [price],
    hashpriceUsdPerThDay: market.hashprice.hashpriceUsdPerThDay,
    gridEvents: knownDeployments(market, nowMs),
  };
  return {
    known,
    forecaster: lastSettledForecaster,
    forecast: {
      forecaster: lastSettledForecaster.name,
      fallbackReason: 'no market history stored',
      stepMinutes: SNAPSHOT_STEP_MINUTES,
      dataTo: new Date(Date.parse(market.at)).toISOString(),
      dataAgeMinutes: Math.max(0, (nowMs - Date.parse(market.at)) / 60_000),
    },
  };
}

/** The snapshot's demand-response events in force at `nowMs`, as the known-at view's deployments (fleet-wide). */
export function knownDeployments(market: MarketSnapshot, nowMs: number): KnownAtView['gridEvents'] {
  return market.gridEvents
    .filter((e: GridEvent) => e.kind === 'demand-response' && Date.parse(e.startsAt) <= nowMs)
    .map((e) => ({ kind: 'dr-deployment' as const, startMs: Date.parse(e.startsAt), endMs: Date.parse(e.endsAt) }));
}
