import { meritOrderLadder } from '../../../core/economics/ladder.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { eventBaseline, middle8of10 } from '../../../core/grid-events/baseline.js';
import { EvidenceNotReady, gridEventEvidence } from '../../../core/grid-events/evidence.js';
import { evidenceCsv, evidenceHtml } from '../../../core/grid-events/evidence-report.js';
import { type GridEvent, gridEventChange } from '../../../core/grid-events/grid-event.js';
import { reductionMwh, responseCurve } from '../../../core/grid-events/response-curve.js';
import type { DeviceSample, MeterReading } from '../../../core/grid-events/telemetry.js';
import { localWallMinutes, shiftLocalDays } from '../../../core/market-data/time-zone.js';

const site = { ...referenceFleet.sites[0]!, timeZone: 'America/Chicago' };
const MIN = 60_000;
/** A Wednesday, 20:00 UTC (14:00 Central). */
const START_MS = Date.parse('2025-07-16T20:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A meter reading every minute over [fromMs, toMs) at `kw(ms)`. */
function meterBetween(fromMs: number, toMs: number, kw: (ms: number) => number): MeterReading[] {
  const readings: MeterReading[] = [];
  for (let t = fromMs; t < toMs; t += MIN) readings.push({ at: iso(t), sitePowerKw: kw(t) });
  return readings;
}

const event = (over: Partial<GridEvent> = {}): GridEvent => ({
  id: 'ge-demand-response-site-1',
  kind: 'demand-response',
  program: 'ERS',
  siteId: site.id,
  startAt: iso(START_MS),
  endAt: iso(START_MS + 30 * MIN),
  committedMw: 2,
  cause: 'DR deploy',
  ...over,
});

describe('grid-event baselines', () => {
  it('averages the middle 8 of the 10 preceding like days and adjusts to the event day', () => {
    // Prepare: 14 days back, weekdays at 10 MW except one high (20 MW) and one low (1 MW) weekday; weekends at 50 MW.
    const history: MeterReading[] = [];
    for (let k = 14; k >= 1; k -= 1) {
      const dayStart = START_MS - k * 86_400_000 - 3 * 60 * MIN;
      const weekday = ![0, 6].includes(new Date(START_MS - k * 86_400_000 - 5 * 3_600_000).getUTCDay());
      const kw = !weekday ? 50_000 : k === 2 ? 20_000 : k === 3 ? 1_000 : 10_000;
      history.push(...meterBetween(dayStart, dayStart + 4 * 60 * MIN, () => kw));
    }
    // The event day runs 10% above the like days before the event.
    const today = meterBetween(START_MS - 3 * 60 * MIN, START_MS + 45 * MIN, (t) => (t < START_MS ? 11_000 : 9_000));
    // Act
    const attempt = middle8of10([...history, ...today], START_MS, START_MS + 30 * MIN, site.timeZone);
    // Assess
    if (!('baseline' in attempt)) throw new Error(attempt.missing);
    expect(attempt.baseline.likeDays).toHaveLength(10);
    expect(attempt.baseline.adjustment).toBeCloseTo(1.1, 6);
    for (const interval of attempt.baseline.intervals) expect(interval.baselineKw).toBeCloseTo(11_000, 3);
  });

  it('takes like days at the same Central wall-clock time across a DST change (23 h, not 24 h, back)', () => {
    // Prepare: a Wednesday after DST began (2025-03-09); the site draws 1 MW per local hour of the day (14 MW at
    // 14:00 Central, whatever the offset), so a like day read an hour off shows as 13 or 15 MW.
    const eventStartMs = Date.parse('2025-03-12T19:00:00Z'); // 14:00 CDT
    const localHourKw = (t: number) => 1_000 * Math.floor((localWallMinutes(t, site.timeZone) % 1440) / 60);
    const meter = meterBetween(eventStartMs - 15 * 86_400_000, eventStartMs + 45 * MIN, localHourKw);
    // Act
    const attempt = middle8of10(meter, eventStartMs, eventStartMs + 30 * MIN, site.timeZone);
    // Assess: 8 of the 10 like days are before the change, each read at 14:00 CST (20:00Z), not 13:00 CST.
    if (!('baseline' in attempt)) throw new Error(attempt.missing);
    expect(attempt.baseline.likeDays).toContain('2025-03-07');
    expect(attempt.baseline.adjustment).toBeCloseTo(1, 9);
    for (const interval of attempt.baseline.intervals) expect(interval.baselineKw).toBeCloseTo(14_000, 6);
  });

  it('shifts by calendar days in the site zone: 23 h back over the spring change, 25 h over the autumn one', () => {
    expect(
      Date.parse('2025-03-12T19:00:00Z') - shiftLocalDays(Date.parse('2025-03-12T19:00:00Z'), -5, 'America/Chicago'),
    ).toBe((5 * 24 - 1) * 3_600_000);
    expect(
      Date.parse('2025-11-04T20:00:00Z') - shiftLocalDays(Date.parse('2025-11-04T20:00:00Z'), -3, 'America/Chicago'),
    ).toBe((3 * 24 + 1) * 3_600_000);
    expect(shiftLocalDays(Date.parse('2025-07-16T20:00:00.250Z'), 1, 'America/Chicago')).toBe(
      Date.parse('2025-07-17T20:00:00.250Z'),
    );
  });

  it('falls back to meter-before for an ERS event without 10 like days, naming what was missing', () => {
    // Prepare: only today's readings
    const meter = meterBetween(START_MS - 20 * MIN, START_MS + 45 * MIN, (t) => (t < START_MS ? 8_000 : 6_000));
    // Act
    const baseline = eventBaseline(event(), site, meter, START_MS + 30 * MIN);
    // Assess
    expect(baseline).toMatchObject({ method: 'meter-before', wanted: 'ers-middle-8-of-10-like-days' });
    expect(baseline.fallbackReason).toMatch(/0 of the 10 preceding like days/);
    expect(baseline.intervals[0]!.baselineKw).toBe(8_000);
  });

  it('measures a Load Resource from its last telemetered reading before the deployment', () => {
    const meter = meterBetween(START_MS - 5 * MIN, START_MS + 10 * MIN, (t) => (t < START_MS - MIN ? 7_000 : 7_500));
    const baseline = eventBaseline(event({ kind: 'under-frequency', program: 'RRS' }), site, meter, START_MS + 5 * MIN);
    expect(baseline).toMatchObject({ method: 'load-resource-telemetry' });
    expect(baseline.intervals[0]!.baselineKw).toBe(7_500);
  });
});

describe('the response curve', () => {
  it('finds the time to 50% and 95% of the committed MW, the sustained MW and the recovery', () => {
    // Prepare: 10 MW before; 1 MW gone after 2 min, 2 MW after 4 min; back at 10 MW 3 min after the end.
    const endMs = START_MS + 30 * MIN;
    const meter = meterBetween(START_MS - 15 * MIN, endMs + 15 * MIN, (t) => {
      if (t < START_MS + 2 * MIN || t >= endMs + 3 * MIN) return 10_000;
      return t < START_MS + 4 * MIN ? 9_000 : 8_000;
    });
    const baseline = eventBaseline(event({ program: 'none', kind: 'price-curtailment' }), site, meter, endMs);
    // Act
    const curve = responseCurve(meter, baseline, { startMs: START_MS, endMs }, 2);
    // Assess
    expect(curve).toMatchObject({ secondsTo50Pct: 120, secondsTo95Pct: 240, recoverySeconds: 180 });
    expect(curve.sustainedMw).toBeCloseTo(2, 6);
    expect(reductionMwh(curve.points, START_MS, endMs)).toBeCloseTo((1 * 2 + 2 * 26) / 60, 6);
  });
});

describe('the evidence document', () => {
  const endMs = START_MS + 30 * MIN;
  const meter = meterBetween(START_MS - 15 * MIN, endMs + 15 * MIN, (t) =>
    t >= START_MS && t < endMs ? 8_000 : 10_000,
  );
  const devices: DeviceSample[] = [
    { at: iso(START_MS - MIN), deviceId: 'asic-1', groupId: 'g1', kind: 'asic', state: 'hashing', powerW: 3500 },
    { at: iso(START_MS + MIN), deviceId: 'asic-1', groupId: 'g1', kind: 'asic', state: 'sleeping', powerW: 20 },
    { at: iso(START_MS + 2 * MIN), deviceId: 'asic-1', groupId: 'g1', kind: 'asic', state: 'sleeping', powerW: 20 },
    { at: iso(endMs + MIN), deviceId: 'asic-1', groupId: 'g1', kind: 'asic', state: 'hashing', powerW: 3500 },
  ];

  it('holds the curve, the baseline, each device’s timeline and the settlement, and renders as CSV and HTML', () => {
    // Act
    const switches = [
      {
        at: iso(START_MS + 30_000),
        source: 'local' as const,
        action: 'switch.local',
        cause: 'grid:price',
        latencyMs: 40,
        devices: { sent: 1, accepted: 1, ids: ['asic-1'] },
      },
      { at: iso(START_MS - 60 * MIN), source: 'flow' as const, action: 'switch.commit' },
    ];
    const evidence = gridEventEvidence(
      event({ priceUsdPerMwh: 1000 }),
      site,
      { meter, devices, switches },
      endMs + 20 * MIN,
    );
    // Assess
    expect(evidence.devices).toEqual([
      expect.objectContaining({ deviceId: 'asic-1', secondsToFirstChange: 60, changes: expect.any(Array) }),
    ]);
    expect(evidence.devices[0]!.changes.map((c) => c.state)).toEqual(['hashing', 'sleeping', 'hashing']);
    // 2 MW of IT power for 30 min is 1 MWh at the devices, PUE × that at the grid.
    expect(evidence.meterBasis).toEqual({ basis: 'facility', source: 'device-sum', pue: site.pue });
    expect(evidence.settlement.reductionMwh).toBeCloseTo(site.pue, 6);
    expect(evidence.settlement.avoidedEnergyCostUsd).toBeCloseTo(1000 * site.pue, 2);
    expect(evidence.settlement.performanceFactor).toBe(1);
    const csv = evidenceCsv(evidence);
    expect(csv.split('\r\n')[0]).toBe('section,at,name,value,deviceId,groupId,state,powerW');
    expect(csv).toContain('summary,,baseline.method,meter-before');
    expect(csv).toContain(`summary,,meter.basis,facility: device sum × PUE ${site.pue}`);
    // The gateway's own switch in the window is linked (the flow's an hour before is outside it).
    expect(evidence.switches).toEqual([{ ...switches[0], secondsFromStart: 30 }]);
    expect(csv).toContain(`switch,${iso(START_MS + 30_000)},local:grid:price,1/1 asic-1`);
    const html = evidenceHtml(evidence, 'ab'.repeat(32));
    expect(html).toContain('<svg');
    expect(html).toContain('<td>local</td><td>grid:price</td><td>40</td><td>1/1 asic-1</td>');
  });

  it('compares like with like: a rung shed in full scores 1, not 1/PUE, against its facility sheddable kW', () => {
    // Prepare: a price curtailment committing one ladder rung (its sheddable kW includes the PUE); the telemetry's
    // device sum drops by exactly the rung's IT power.
    const pueSite = { ...site, pue: 1.05 };
    const rung = meritOrderLadder(pueSite, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 })[0]!;
    const itDropKw = rung.sheddableKw / pueSite.pue;
    const itMeter = meterBetween(START_MS - 15 * MIN, endMs + 15 * MIN, (t) =>
      t >= START_MS && t < endMs ? 20_000 - itDropKw : 20_000,
    );
    const curtailment = event({ kind: 'price-curtailment', program: 'none', committedMw: rung.sheddableKw / 1000 });
    // Act
    const evidence = gridEventEvidence(curtailment, pueSite, { meter: itMeter, devices }, endMs + 20 * MIN);
    // Assess: at the grid the drop is the rung's sheddable kW; the IT-only comparison scored 1/1.05 = 0.952.
    expect(evidence.curve.sustainedMw).toBeCloseTo(rung.sheddableKw / 1000, 9);
    expect(evidence.settlement.performanceFactor).toBeCloseTo(1, 9);
    expect(evidence.baseline.intervals[0]!.baselineKw).toBeCloseTo(20_000 * 1.05, 6);
  });

  it('refuses an event that has not ended', () => {
    expect(() => gridEventEvidence(event({ endAt: undefined }), site, { meter, devices }, endMs)).toThrow(
      EvidenceNotReady,
    );
  });
});

describe('grid events from signals', () => {
  const ladder = [
    { groupId: 'g1', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 100, sheddableKw: 3000 },
    { groupId: 'g2', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 300, sheddableKw: 5000 },
  ];
  const at = iso(START_MS);
  const node = site.marketNode;

  it('opens a price curtailment for the rungs a price holds and closes it when none is held', () => {
    const opened = gridEventChange({ kind: 'price', at, node, priceUsdPerMwh: 200 }, { site, ladder }, [], 59.9);
    expect(opened.open).toMatchObject({ kind: 'price-curtailment', committedMw: 3, priceUsdPerMwh: 200 });
    const open = [opened.open!];
    expect(gridEventChange({ kind: 'price', at, node, priceUsdPerMwh: 400 }, { site, ladder }, open, 59.9)).toEqual({});
    expect(
      gridEventChange(
        { kind: 'price', at: iso(START_MS + MIN), node, priceUsdPerMwh: 50 },
        { site, ladder },
        open,
        59.9,
      ),
    ).toEqual({ close: { id: opened.open!.id, endAt: iso(START_MS + MIN) } });
  });

  it('opens an under-frequency trip below 59.7 Hz at the trip groups’ power and closes it at the restore frequency', () => {
    const tripSite = { ...site, asicGroups: site.asicGroups.map((g, i) => ({ ...g, frequencyTrip: i === 0 })) };
    const group = tripSite.asicGroups[0]!;
    const facts = { site: tripSite, ladder };
    const opened = gridEventChange({ kind: 'frequency', at, node, frequencyHz: 59.5 }, facts, [], 59.9);
    expect(opened.open).toMatchObject({ kind: 'under-frequency', program: 'RRS' });
    // What the trip sheds (top target to asleep), at the grid (× PUE) as the evidence's meter reads it.
    const shedW = group.powerCurve.at(-1)!.powerW - group.sleepPowerW;
    expect(opened.open!.committedMw).toBeCloseTo((group.unitCount * shedW * site.pue) / 1e6, 9);
    const open = [opened.open!];
    // Between the trip and the restore threshold nothing changes.
    expect(gridEventChange({ kind: 'frequency', at, node, frequencyHz: 59.8 }, facts, open, 59.9)).toEqual({});
    expect(gridEventChange({ kind: 'frequency', at, node, frequencyHz: 60 }, facts, open, 59.9).close?.id).toBe(
      opened.open!.id,
    );
  });

  it('opens a DR deployment at its MW and closes it on recall', () => {
    const signal = {
      kind: 'demand-response' as const,
      at,
      node,
      eventId: 'dr-1',
      action: 'deploy' as const,
      deployMw: 4,
    };
    const opened = gridEventChange(signal, { site, ladder }, [], 59.9);
    expect(opened.open).toMatchObject({ kind: 'demand-response', committedMw: 4, sourceEventId: 'dr-1' });
    const recalled = gridEventChange({ ...signal, action: 'recall' }, { site, ladder }, [opened.open!], 59.9);
    expect(recalled.close?.id).toBe(opened.open!.id);
  });
});
