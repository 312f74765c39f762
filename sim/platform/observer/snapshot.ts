import type { MarketSnapshot } from '../../../core/model/market.js';
import type { BidMarketView } from '../bid-market.js';
import type { GpuWorkFigures } from '../gpu-work.js';
import { type Alert, groupAlerts } from './alerts.js';
import type { EventLog } from './event-log.js';
import type { FleetSeries } from './fleet-series.js';
import { plannedKw, type SiteView } from './site-view.js';

/** Dispatches listed (newest first); the count covers every one kept. */
const RECENT_DISPATCHES = 10;

/** A site as the dashboard's JSON shows it at `simNowMs`. */
export function renderSite(view: SiteView, simNowMs: number) {
  return {
    id: view.site.id,
    name: view.site.name,
    marketNode: view.site.marketNode,
    capKw: view.capKw,
    priceUsdPerMwh: view.priceUsdPerMwh ?? null,
    planVersion: view.planVersion ?? null,
    plannedKw: plannedKw(view.planIntervals, simNowMs),
    mode: view.heartbeat?.mode ?? null,
    heldGroups: view.heartbeat?.heldGroups ?? [],
    sitePower: view.heartbeat?.sitePower ?? null,
    ladder: view.ladder,
    power: view.power ?? null,
    money: view.money,
    series: view.series.toJSON(),
  };
}

export interface SnapshotParts {
  readonly simNowMs: number;
  readonly views: Iterable<SiteView>;
  readonly series: FleetSeries;
  readonly latestMarket: MarketSnapshot | undefined;
  readonly log: EventLog;
  /** The GPU side's queue, runs, preemptions and webhooks; null when the platform runs without it. */
  readonly workloads: GpuWorkFigures | null;
  /** The bid market: order book, latest clearings, partner share (issue 28); null without it. */
  readonly bids?: BidMarketView | null;
  readonly alerts: Alert[];
  readonly rejectedMessages: number;
}

/** Everything the dashboard draws, as JSON (newest events first). */
export function renderSnapshot(parts: SnapshotParts) {
  const { log } = parts;
  return {
    simNow: new Date(parts.simNowMs).toISOString(),
    sites: [...parts.views].map((view) => renderSite(view, parts.simNowMs)),
    fleet: { series: parts.series.fleet.toJSON() },
    market: { latest: parts.latestMarket ?? null, series: parts.series.market.toJSON() },
    switches: [...log.switches].reverse(),
    dispatches: { count: log.dispatches.length, recent: [...log.dispatches].reverse().slice(0, RECENT_DISPATCHES) },
    injections: [...log.injections].reverse(),
    workloads: parts.workloads,
    bids: parts.bids ?? null,
    alerts: parts.alerts,
    /** The alerts by site and kind, with counts, newest first: what the dashboard shows. */
    alertGroups: groupAlerts(parts.alerts),
    rejectedMessages: parts.rejectedMessages,
  };
}

export type ObserverSnapshot = ReturnType<typeof renderSnapshot>;
