import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Site } from '../../core/model/site.js';
import type { BidMarketView } from './bid-market.js';
import type { PlatformEvent } from './events.js';
import type { GpuWorkFigures } from './gpu-work.js';
import { type Alert, alertsOf } from './observer/alerts.js';
import { EventLog, type SwitchRecord } from './observer/event-log.js';
import { FleetSeries } from './observer/fleet-series.js';
import { OBSERVER_TOPICS, type ObservedMessage, readBrokerMessage } from './observer/intake.js';
import { SiteView } from './observer/site-view.js';
import { type ObserverSnapshot, renderSnapshot } from './observer/snapshot.js';
import type { SitePower, UnitsPerDevice } from './site-power.js';

export type { Alert } from './observer/alerts.js';
export type { SwitchRecord } from './observer/event-log.js';
export { plannedKw } from './observer/site-view.js';
export type { ObserverSnapshot } from './observer/snapshot.js';

export interface ObserverOptions {
  /** The sites at start; `syncSites` follows the registry from then on. */
  readonly sites: readonly Site[];
  readonly unitsPerDevice: UnitsPerDevice;
  /** The simulated clock (chart times) and the wall clock (missing-telemetry and latency). */
  readonly simNowMs: () => number;
  readonly realNowMs?: () => number;
  /** Gateway and control-plane latencies are measured on the simulated clock: this turns them into real time. */
  readonly simMsToRealMs: (simMs: number) => number;
  /** A site silent this long (real time) raises "missing telemetry". */
  readonly telemetryStaleRealMs: number;
  /** Points kept per series. @default 720 */
  readonly maxPoints?: number;
  /** Switch events, dispatches and injections kept. @default 200 */
  readonly maxEvents?: number;
  /** Where what the observer reads is also kept as history (the telemetry recorder). @default none */
  readonly history?: ObserverHistory;
}

/**
 * What the observer hands the telemetry history, as it reads it: so the stored series are the dashboard's figures
 * (sim/platform/telemetry-recorder.ts writes them to the local Parquet store).
 */
export interface ObserverHistory {
  /**
   * A site's batch with its own readings (`power`), after its view took it (price, and in `lastAccrual` the money
   * accrued since the newest batch before it: nothing for a late one).
   */
  siteBatch(view: SiteView, batch: TelemetryBatch, power: SitePower, market: MarketSnapshot | undefined): void;
  /** A gateway's status heartbeat, at the simulated instant it was read. */
  heartbeat(siteId: string, atMs: number): void;
  /** A switch the event log kept (a SwitchFlow, a local reaction, a gateway's ack). */
  switched(record: SwitchRecord): void;
}

/**
 * The local platform's observer: listens to everything on the broker (telemetry, acks, commands, grid and market
 * signals, gateway heartbeats) and to the control loop's in-process events, and keeps bounded rolling series per site
 * and for the fleet. The dashboard and the e2e test read `snapshot()`. It composes the parts in `observer/`: the
 * intake, each site's view and accrual, the fleet and market series, the event log, the alerts and the JSON.
 */
export class PlatformObserver {
  /** MQTT topics to subscribe to. */
  static readonly topics = OBSERVER_TOPICS;

  private readonly views = new Map<string, SiteView>();
  private readonly series: FleetSeries;
  private readonly log: EventLog;
  private latestMarket?: MarketSnapshot;
  private workloadFigures?: () => GpuWorkFigures;
  private bidMarket?: () => BidMarketView | null;
  private rejected = 0;
  private readonly realNowMs: () => number;
  private readonly startedRealMs: number;

  private readonly maxPoints: number;

  constructor(private readonly options: ObserverOptions) {
    this.maxPoints = options.maxPoints ?? 720;
    this.syncSites(options.sites);
    this.series = new FleetSeries(this.maxPoints);
    this.log = new EventLog(options.maxEvents ?? 200);
    this.realNowMs = options.realNowMs ?? Date.now;
    this.startedRealMs = this.realNowMs();
  }

  /**
   * The sites in service now (the registry, read by start/observer.ts): a site registered through the API gets a view
   * (it shows on the dashboard, with "missing telemetry" until its gateway reports), a changed one its new model, a
   * retired one leaves.
   */
  syncSites(sites: readonly Site[]): void {
    const ids = new Set(sites.map((s) => s.id));
    for (const id of [...this.views.keys()]) if (!ids.has(id)) this.views.delete(id);
    for (const site of sites) {
      const view = this.views.get(site.id);
      if (view) view.site = site;
      else this.views.set(site.id, new SiteView(site, this.options.unitsPerDevice, this.maxPoints));
    }
  }

  /** One broker message; anything malformed is counted, never thrown. */
  handleMessage(topic: string, payload: Buffer | string): void {
    const intake = readBrokerMessage(topic, payload, (siteId) => this.views.has(siteId));
    if (!intake) return;
    if ('rejected' in intake) this.rejected += 1;
    else this.apply(intake.message);
  }

  /** An in-process event of the control loop, a gateway, the market replay or the injection control. */
  record(event: PlatformEvent): void {
    if (event.type === 'market') {
      this.latestMarket = event.snapshot;
      this.series.pushMarket(event.atMs, event.snapshot);
      return;
    }
    this.keepingSwitches(() =>
      this.log.record(event, (siteId) => {
        const lastSignalRealMs = this.views.get(siteId)?.lastSignalRealMs;
        return lastSignalRealMs === undefined ? undefined : this.realNowMs() - lastSignalRealMs;
      }),
    );
  }

  /** Runs `logging`, and hands a switch record it added to the history. */
  private keepingSwitches(logging: () => void): void {
    const before = this.log.switches.at(-1);
    logging();
    const after = this.log.switches.at(-1);
    if (after && after !== before) this.options.history?.switched(after);
  }

  /** Where the GPU work figures come from (queue depth, preemptions, webhook deliveries): the platform's GpuWork. */
  setWorkloadFigures(source: () => GpuWorkFigures): void {
    this.workloadFigures = source;
  }

  /** Where the bid market comes from (order book, clearings): the platform's watch on the bid store (issue 28). */
  setBidMarket(source: () => BidMarketView | null): void {
    this.bidMarket = source;
  }

  alerts(): Alert[] {
    return alertsOf(this.views.values(), this.log.switches, {
      nowRealMs: this.realNowMs(),
      startedRealMs: this.startedRealMs,
      telemetryStaleRealMs: this.options.telemetryStaleRealMs,
    });
  }

  /** Everything the dashboard draws, as JSON. */
  snapshot(): ObserverSnapshot {
    return renderSnapshot({
      simNowMs: this.options.simNowMs(),
      views: this.views.values(),
      series: this.series,
      latestMarket: this.latestMarket,
      log: this.log,
      workloads: this.workloadFigures?.() ?? null,
      bids: this.bidMarket?.() ?? null,
      alerts: this.alerts(),
      rejectedMessages: this.rejected,
    });
  }

  private apply(message: ObservedMessage): void {
    switch (message.kind) {
      case 'signal': {
        const { to } = message;
        const views = [...this.views.values()].filter((v) =>
          'marketNode' in to ? v.site.marketNode === to.marketNode : v.site.id === to.siteId,
        );
        for (const view of views) view.onSignal(message.signal, this.realNowMs());
        return;
      }
      case 'telemetry': {
        const view = this.view(message.siteId);
        const taken = view.onTelemetry(message.batch, this.realNowMs(), this.latestMarket);
        this.options.history?.siteBatch(view, message.batch, taken.power, this.latestMarket);
        if (!taken.late) this.series.pushSites(taken.atMs, this.views.values());
        return;
      }
      case 'command':
        this.view(message.siteId).onCommand(message.command);
        return;
      case 'heartbeat':
        this.view(message.siteId).onHeartbeat(message.heartbeat);
        this.options.history?.heartbeat(message.siteId, this.options.simNowMs());
        return;
      case 'ack':
        this.keepingSwitches(() => this.log.recordAck(message.ack, this.options.simMsToRealMs));
        return;
    }
  }

  /** The intake passes only the sites observed. */
  private view(siteId: string): SiteView {
    const view = this.views.get(siteId);
    if (!view) throw new Error(`no view of site ${siteId}`);
    return view;
  }
}
