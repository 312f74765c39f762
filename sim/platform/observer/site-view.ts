import type { Command } from '../../../core/messages/command.js';
import type { GridSignal } from '../../../core/messages/grid-signal.js';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { LadderRung, PlanInterval } from '../../../core/model/plan.js';
import { type Site, siteCapKw } from '../../../core/model/site.js';
import {
  type Accrual,
  addMoney,
  type HeldPower,
  type Money,
  NO_ACCRUAL,
  NO_MONEY,
  takeBatch,
} from '../../../core/telemetry-history/accrual.js';
import { RollingSeries } from '../rolling-series.js';
import { type SitePower, sitePower, type UnitsPerDevice } from '../site-power.js';
import type { Heartbeat } from './intake.js';

/** The columns of a site's chart series, and of the fleet's (the sites summed). */
export const SITE_KEYS = [
  'asicKw',
  'gpuKw',
  'curtailedKw',
  'capKw',
  'planKw',
  'priceUsdPerMwh',
  'miningUsd',
  'inferenceUsd',
  'energyCostUsd',
  'gpuUtilizationPct',
] as const;
export type SiteKey = (typeof SITE_KEYS)[number];

/** The plan's site power in the interval containing `atMs`; null before the first plan or past its horizon. */
export function plannedKw(intervals: readonly PlanInterval[], atMs: number): number | null {
  let current: PlanInterval | undefined;
  for (const interval of intervals) {
    if (Date.parse(interval.startsAt) <= atMs) current = interval;
    else break;
  }
  return current ? current.sitePowerKw : null;
}

/**
 * One site as the observer sees it: its latest power split, the money accumulated from telemetry × prices, its
 * price, the plan and ladder in force, the gateway's heartbeat, and a bounded chart series.
 */
export class SiteView {
  readonly series: RollingSeries<SiteKey>;
  money: Money = NO_MONEY;
  /** What the latest batch added to `money` (nothing for a late one). */
  lastAccrual: Accrual = NO_ACCRUAL;
  /** The newest batch's readings and instant: what the site holds until its next batch. */
  private held?: HeldPower<SitePower>;
  lastTelemetryRealMs?: number;
  lastSignalRealMs?: number;
  priceUsdPerMwh?: number;
  planIntervals: readonly PlanInterval[] = [];
  planVersion?: number;
  ladder: readonly LadderRung[] = [];
  heartbeat?: Heartbeat;

  constructor(
    /** The site model as registered; a registry change replaces it (observer.syncSites), the history stays. */
    public site: Site,
    private readonly unitsPerDevice: UnitsPerDevice,
    maxPoints: number,
  ) {
    this.series = new RollingSeries(SITE_KEYS, maxPoints);
  }

  get capKw(): number {
    return siteCapKw(this.site);
  }

  onSignal(signal: GridSignal, realNowMs: number): void {
    this.lastSignalRealMs = realNowMs;
    if (signal.kind === 'price') this.priceUsdPerMwh = signal.priceUsdPerMwh;
  }

  /** The newest batch's readings (the dashboard's power view). */
  get power(): SitePower | undefined {
    return this.held?.power;
  }

  /** The simulated instant of the newest batch. */
  get lastBatchSimMs(): number | undefined {
    return this.held?.sinceMs;
  }

  /**
   * A telemetry batch: money for the time since the newest one before it (core/telemetry-history/accrual.ts), then
   * its power split as a chart point. A late batch (a repeat whose ack was late, a spooled one a newer batch
   * overtook) accrues nothing and moves neither the site's clock nor its chart back. Returns the batch's readings and
   * simulated instant, and whether it was late.
   */
  onTelemetry(
    batch: TelemetryBatch,
    realNowMs: number,
    market: MarketSnapshot | undefined,
  ): { readonly atMs: number; readonly power: SitePower; readonly late: boolean } {
    const atMs = Date.parse(batch.sentAt);
    const power = sitePower(this.site, batch, this.unitsPerDevice);
    const taken = takeBatch(this.held, atMs, power, this.priceUsdPerMwh, market);
    this.lastAccrual = taken.accrual;
    this.lastTelemetryRealMs = realNowMs;
    if (taken.late) return { atMs, power, late: true };
    this.held = taken.held;
    this.money = addMoney(this.money, taken.accrual.money);
    this.series.push(atMs, {
      asicKw: power.asicKw,
      gpuKw: power.gpuKw,
      curtailedKw: power.curtailedKw,
      capKw: this.capKw,
      planKw: plannedKw(this.planIntervals, atMs),
      priceUsdPerMwh: this.priceUsdPerMwh ?? null,
      ...this.money,
      gpuUtilizationPct: power.gpuUtilizationPct,
    });
    return { atMs, power, late: false };
  }

  /** A plan sent to the gateway: its intervals and ladder for this site. */
  onCommand(command: Command): void {
    if (command.kind !== 'apply-plan') return;
    const { plan } = command.payload;
    const sitePlan = plan.sites.find((s) => s.siteId === this.site.id);
    if (!sitePlan) return;
    this.planIntervals = sitePlan.intervals;
    this.ladder = sitePlan.ladder;
    this.planVersion = plan.version;
  }

  onHeartbeat(heartbeat: Heartbeat): void {
    this.heartbeat = heartbeat;
  }
}
