import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import {
  deviceSeriesRecord,
  FLEET_SITE,
  fleetEventRecord,
  siteSeriesRecord,
  type TelemetryRecord,
  type TelemetryTable,
} from '../../core/telemetry-history/records.js';
import type { SwitchRecord } from './observer/event-log.js';
import type { SiteView } from './observer/site-view.js';
import type { ObserverHistory } from './observer.js';
import type { SitePower, UnitsPerDevice } from './site-power.js';

/** Where the records go: the local Parquet store (sim/local/telemetry-store.ts). */
export interface TelemetryAppender {
  append<T extends TelemetryTable>(table: T, records: readonly TelemetryRecord<T>[]): void;
}

/**
 * The local platform's telemetry history: what the observer reads (each site's batches, their devices' samples, the
 * gateways' heartbeats, the switches) and the API prober's calls, as the records of
 * core/telemetry-history/records.ts, into the local store. The cloud's ingest writes the same records in AWS.
 */
export class TelemetryRecorder implements ObserverHistory {
  constructor(
    private readonly store: TelemetryAppender,
    private readonly unitsPerDevice: UnitsPerDevice,
  ) {}

  /** The batch's own readings, at the price the view holds, with what it accrued (the dashboard's money). */
  siteBatch(view: SiteView, batch: TelemetryBatch, power: SitePower, market: MarketSnapshot | undefined): void {
    this.store.append('siteSeries', [
      siteSeriesRecord(batch, power, view.site, { priceUsdPerMwh: view.priceUsdPerMwh, market }, view.lastAccrual),
    ]);
    this.store.append(
      'deviceSeries',
      batch.metrics.map((m) => deviceSeriesRecord(batch.siteId, m, this.unitsPerDevice.get(m.groupId) ?? 1)),
    );
  }

  heartbeat(siteId: string, atMs: number): void {
    this.store.append('fleetEvents', [fleetEventRecord(siteId, atMs, 'heartbeat', 'gateway', null, true)]);
  }

  switched(record: SwitchRecord): void {
    const atMs = Date.parse(record.at);
    const ok = record.outcome === 'executed';
    this.store.append('fleetEvents', [
      fleetEventRecord(record.siteId, atMs, 'switch', record.source, record.latencyMs ?? null, ok),
    ]);
  }

  /** One call of the API prober (the canary): healthy or not, and its real latency. */
  apiProbe(atMs: number, latencyMs: number, ok: boolean): void {
    this.store.append('fleetEvents', [fleetEventRecord(FLEET_SITE, atMs, 'api-probe', 'prober', latencyMs, ok)]);
  }
}
