import {
  dayOf,
  deviceSeriesRecord,
  FLEET_SITE,
  fleetEventRecord,
  LIVE_SCENARIO,
  type SiteSeriesRecord,
  stateCounts,
} from '../../core/telemetry-history/records.js';
import type { TelemetryAppender } from '../../sim/platform/telemetry-recorder.js';

/** Telemetry history fixtures: an hour of two sites whose KPIs are worked out by hand. */
export const T0 = Date.parse('2026-12-01T00:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** One batch of a site, with the money of the minute before it at the given rates. */
export function siteRow(site: string, atMs: number, p: Partial<SiteSeriesRecord>): SiteSeriesRecord {
  return {
    site,
    day: dayOf(atMs),
    scenario: LIVE_SCENARIO,
    gateway_id: `gw-${site}`,
    batch_seq: atMs / MINUTE,
    at_ms: atMs,
    site_power_kw: 0,
    limit_kw: 1000,
    asic_kw: 0,
    gpu_kw: 0,
    curtailed_kw: 0,
    hashrate_ths: 0,
    busy_gpus: 0,
    serving_gpus: 0,
    powered_gpus: 0,
    installed_gpus: 0,
    price_usd_per_mwh: 40,
    hashprice_usd_per_th_day: 0.05,
    gpu_spot_usd_per_gpu_hour: 2,
    accrued_hours: 1 / 60,
    mining_usd: 0,
    inference_usd: 0,
    energy_cost_usd: 0,
    ...stateCounts({}),
    ...p,
  };
}

/**
 * An hour of two sites: site-a runs at its limit with 8 GPUs (6 serving, all busy at $2/GPU-h), site-b at 40% and
 * with no GPUs; site-a's gateway heartbeats all hour, site-b's only for the first half.
 */
export function seedHour(store: TelemetryAppender): void {
  for (let m = 0; m < 60; m += 1) {
    const at = T0 + m * MINUTE;
    store.append('siteSeries', [
      siteRow('site-a', at, {
        asic_kw: 900,
        gpu_kw: 100,
        hashrate_ths: 20_000,
        serving_gpus: 6,
        powered_gpus: 8,
        busy_gpus: 6,
        installed_gpus: 8,
        inference_usd: (6 * 2) / 60,
      }),
      siteRow('site-b', at, { asic_kw: 400, hashrate_ths: 10_000, price_usd_per_mwh: 80 }),
    ]);
    store.append('deviceSeries', [
      deviceSeriesRecord(
        'site-a',
        { deviceId: 'a1', groupId: 'g1', kind: 'asic', at: new Date(at).toISOString(), state: 'hashing', powerW: 3500 },
        100,
      ),
      deviceSeriesRecord(
        'site-a',
        {
          deviceId: 'a2',
          groupId: 'g1',
          kind: 'asic',
          at: new Date(at + 5).toISOString(),
          state: m < 30 ? 'hashing' : 'sleeping',
          powerW: 3500,
        },
        100,
      ),
    ]);
  }
  for (let s = 0; s < 120; s += 1) {
    const at = T0 + s * 30_000 + 700;
    store.append('fleetEvents', [fleetEventRecord('site-a', at, 'heartbeat', 'gateway', null, true)]);
    if (at < T0 + HOUR / 2)
      store.append('fleetEvents', [fleetEventRecord('site-b', at, 'heartbeat', 'gateway', null, true)]);
  }
  // Gateway switches taking 1..100 ms, and one SwitchFlow of 5 s that the gateway latency leaves out.
  for (let i = 1; i <= 100; i += 1)
    store.append('fleetEvents', [fleetEventRecord('site-a', T0 + i * 20_000, 'switch', 'gateway-ack', i, true)]);
  store.append('fleetEvents', [fleetEventRecord('site-a', T0 + 1_000, 'switch', 'cloud', 5_000, true)]);
  // 100 API probes: 99 healthy at 10 ms, one failed.
  for (let i = 0; i < 100; i += 1)
    store.append('fleetEvents', [fleetEventRecord(FLEET_SITE, T0 + i * 30_000, 'api-probe', 'prober', 10, i !== 42)]);
}
