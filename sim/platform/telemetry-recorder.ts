import { installedGpus } from '../../core/gpu/capacity.js';
import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import {
  dayOf,
  deviceSeriesRecord,
  FLEET_SITE,
  type FleetEventKind,
  type FleetEventRecord,
  LIVE_SCENARIO,
  type SiteSeriesRecord,
  stateCounts,
  type TelemetryRecord,
  type TelemetryTable,
} from '../../core/telemetry-history/records.js';
import type { SwitchRecord } from './observer/event-log.js';
import type { SiteView } from './observer/site-view.js';
import type { ObserverHistory } from './observer.js';
import type { UnitsPerDevice } from './site-power.js';

/** Where the records go: the local Parquet store (sim/local/telemetry-store.ts). */
export interface TelemetryAppender {
  append<T extends TelemetryTable>(table: T, records: readonly TelemetryRecord<T>[]): void;
}

/** A site's batch as a site-series row: the observer's view of it (so the history and the dashboard agree). */
export function siteSeriesRecordOf(
  view: SiteView,
  batch: TelemetryBatch,
  market: MarketSnapshot | undefined,
  scenario = LIVE_SCENARIO,
): SiteSeriesRecord | undefined {
  const power = view.power;
  if (!power) return undefined;
  const atMs = Date.parse(batch.sentAt);
  const { money, hours } = view.lastAccrual;
  return {
    site: batch.siteId,
    day: dayOf(atMs),
    scenario,
    gateway_id: batch.gatewayId,
    batch_seq: batch.batchSeq,
    at_ms: atMs,
    site_power_kw: batch.sitePowerKw,
    limit_kw: view.capKw,
    asic_kw: power.asicKw,
    gpu_kw: power.gpuKw,
    curtailed_kw: power.curtailedKw,
    hashrate_ths: power.hashrateThs,
    busy_gpus: power.busyGpus,
    serving_gpus: power.servingGpus,
    powered_gpus: power.poweredGpus,
    installed_gpus: installedGpus([view.site]),
    price_usd_per_mwh: view.priceUsdPerMwh ?? null,
    hashprice_usd_per_th_day: market?.hashprice.hashpriceUsdPerThDay ?? null,
    gpu_spot_usd_per_gpu_hour: market?.gpuSpotUsdPerGpuHour ?? null,
    accrued_hours: hours,
    mining_usd: money.miningUsd,
    inference_usd: money.inferenceUsd,
    energy_cost_usd: money.energyCostUsd,
    ...stateCounts(power.devicesByState),
  };
}

export function fleetEventRecord(
  site: string,
  atMs: number,
  kind: FleetEventKind,
  source: string,
  latencyMs: number | null,
  ok: boolean,
  scenario = LIVE_SCENARIO,
): FleetEventRecord {
  return { site, day: dayOf(atMs), scenario, at_ms: atMs, kind, source, latency_ms: latencyMs, ok };
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

  siteBatch(view: SiteView, batch: TelemetryBatch, market: MarketSnapshot | undefined): void {
    const site = siteSeriesRecordOf(view, batch, market);
    if (site) this.store.append('siteSeries', [site]);
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
