import fc from 'fast-check';
import { meritOrderLadder } from '../../../core/economics/ladder.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { DeviceMetric, TelemetryBatch } from '../../../core/messages/telemetry.js';
import { deviceStateSchema } from '../../../core/messages/telemetry.js';
import { isCurtailed, revenueUsdPerHour, summarizeSiteTelemetry } from '../../../core/telemetry/site-summary.js';

const west = referenceFleet.sites[0]!;
const [s21, s19] = west.asicGroups as [(typeof west.asicGroups)[0], (typeof west.asicGroups)[0]];
const h100 = west.gpuPools[0]!;
const AT = '2025-01-13T06:00:00.000Z';

function metric(deviceId: string, groupId: string, state: DeviceMetric['state'], powerW: number): DeviceMetric {
  return { deviceId, groupId, kind: groupId === h100.id ? 'gpu' : 'asic', at: AT, state, powerW };
}

function batch(metrics: DeviceMetric[]): TelemetryBatch {
  return {
    siteId: west.id,
    gatewayId: 'gw-west',
    batchSeq: 1,
    sentAt: AT,
    sitePowerKw: metrics.reduce((kw, m) => kw + m.powerW / 1000, 0),
    metrics,
    droppedBatches: 0,
  };
}

const metricArb = fc.record({
  deviceId: fc.uuid(),
  groupId: fc.constantFrom(s21.id, s19.id, h100.id),
  state: fc.constantFrom(...deviceStateSchema.options),
  powerW: fc.double({ min: 0, max: 6000, noNaN: true }),
  utilizationPct: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
});
const metricsArb = fc.array(metricArb, { maxLength: 40 }).map((ms) =>
  ms.map(
    (m): DeviceMetric => ({
      ...metric(m.deviceId, m.groupId, m.state, m.powerW),
      ...(m.utilizationPct !== undefined ? { utilizationPct: m.utilizationPct } : {}),
    }),
  ),
);

describe('site telemetry summary', () => {
  it('counts a sleeping or off ASIC as curtailed, never an idle GPU', () => {
    // Assess
    expect(isCurtailed({ kind: 'asic', state: 'sleeping' })).toBe(true);
    expect(isCurtailed({ kind: 'asic', state: 'off' })).toBe(true);
    expect(isCurtailed({ kind: 'asic', state: 'hashing' })).toBe(false);
    expect(isCurtailed({ kind: 'gpu', state: 'idle' })).toBe(false);
  });

  it('curtails a fully held group by exactly the sheddable load of its ladder rung', () => {
    // Prepare: the whole S19 XP group asleep at its sleep power, one reporting device standing for all its units.
    const asleep = batch([metric('s19-all', s19.id, 'sleeping', s19.sleepPowerW)]);
    const rung = meritOrderLadder(west, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 }).find(
      (r) => r.groupId === s19.id,
    );

    // Act
    const summary = summarizeSiteTelemetry(asleep, west, new Map([[s19.id, s19.unitCount]]));

    // Assess
    expect(summary.facilityKw.curtailedKw).toBeCloseTo(rung!.sheddableKw, 6);
    expect(summary.curtailedDevices).toBe(1);
  });

  it('uses the newest sample of a device that reports twice in one batch', () => {
    // Prepare
    const older = metric('a1', s21.id, 'hashing', 3500);
    const newer = { ...metric('a1', s21.id, 'sleeping', 20), at: '2025-01-13T06:00:05.000Z' };

    // Act
    const summary = summarizeSiteTelemetry(batch([older, newer]), west);

    // Assess
    expect(summary.asicPowerKw).toBeCloseTo(0.02, 10);
    expect(summary.devicesByState).toEqual({ sleeping: 1 });
  });

  it('counts a serving GPU without a utilisation reading as busy, and one with a reading by its share', () => {
    // Prepare
    const gpus = [
      metric('g1', h100.id, 'serving', 5600),
      { ...metric('g2', h100.id, 'serving', 3000), utilizationPct: 25 },
      { ...metric('g3', h100.id, 'idle', 700), utilizationPct: 0 },
    ];

    // Act
    const summary = summarizeSiteTelemetry(batch(gpus), west);
    const revenue = revenueUsdPerHour(summary, { hashpriceUsdPerThDay: 0.05, gpuSpotUsdPerGpuHour: 2 });

    // Assess
    expect(summary.servingGpus).toBe(2);
    expect(summary.busyGpus).toBeCloseTo(1.25, 10);
    expect(revenue.inferenceUsdPerHour).toBeCloseTo(2.5, 10);
  });

  it('adds up across the batches a large poll is split into (property)', () => {
    fc.assert(
      fc.property(metricsArb, fc.nat(), (metrics, cut) => {
        // Prepare
        const unique = [...new Map(metrics.map((m) => [m.deviceId, m])).values()];
        const at = unique.length ? cut % (unique.length + 1) : 0;

        // Act
        const whole = summarizeSiteTelemetry(batch(unique), west);
        const first = summarizeSiteTelemetry(batch(unique.slice(0, at)), west);
        const second = summarizeSiteTelemetry(batch(unique.slice(at)), west);

        // Assess
        expect(first.curtailedPowerKw + second.curtailedPowerKw).toBeCloseTo(whole.curtailedPowerKw, 6);
        expect(first.curtailedDevices + second.curtailedDevices).toBe(whole.curtailedDevices);
        expect(first.asicPowerKw + second.asicPowerKw).toBeCloseTo(whole.asicPowerKw, 6);
      }),
    );
  });

  it('keeps curtailed load between zero and the rated power of the devices asleep, at the meter × PUE (property)', () => {
    fc.assert(
      fc.property(metricsArb, fc.integer({ min: 1, max: 500 }), (metrics, units) => {
        // Prepare
        const scale = new Map([
          [s21.id, units],
          [s19.id, units],
        ]);
        const rated = new Map(west.asicGroups.map((g) => [g.id, g.powerCurve.at(-1)!.powerW]));
        const latest = [...new Map(metrics.map((m) => [m.deviceId, m])).values()];
        const ratedAsleepKw = latest
          .filter(isCurtailed)
          .reduce((kw, m) => kw + ((rated.get(m.groupId) ?? 0) * units) / 1000, 0);

        // Act
        const summary = summarizeSiteTelemetry(batch(metrics), west, scale);

        // Assess
        expect(summary.curtailedPowerKw).toBeGreaterThanOrEqual(0);
        expect(summary.curtailedPowerKw).toBeLessThanOrEqual(ratedAsleepKw + 1e-9);
        expect(summary.facilityKw.curtailedKw).toBeCloseTo(summary.curtailedPowerKw * west.pue, 6);
        if (summary.curtailedDevices === 0) expect(summary.curtailedPowerKw).toBe(0);
      }),
    );
  });
});
