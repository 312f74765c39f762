import { z } from 'zod';
import { deviceStateSchema } from '../messages/telemetry.js';
import type { Site } from '../model/site.js';
import { idSchema, isoInstantSchema, nonNegative } from '../support/schema.js';
import { type Baseline, baselineSchema, eventBaseline } from './baseline.js';
import { type GridEvent, gridEventSchema } from './grid-event.js';
import { reductionMwh, responseCurve, responseCurveSchema } from './response-curve.js';
import { type DeviceSample, type EventTelemetry, type MeterReading, siteSwitchSchema } from './telemetry.js';

/**
 * The M&V evidence of one ended grid event, computed from telemetry alone (pure): the baseline (core/grid-events/
 * baseline.ts), the response curve, each device's timeline (its state changes from just before the start to the end
 * of the recovery window) and the estimated settlement. Stored once, immutably, with its SHA-256 in the audit chain;
 * `EVIDENCE_VERSION` names the computation so a stored document says how it was made.
 */
export const EVIDENCE_VERSION = 2;
/** How long after the end the recovery is looked for, and how far before the start the curve begins. */
export const RECOVERY_WINDOW_MS = 15 * 60_000;
export const LEAD_WINDOW_MS = 15 * 60_000;

export const deviceTimelineSchema = z.object({
  deviceId: idSchema,
  groupId: idSchema,
  kind: z.enum(['asic', 'gpu']),
  /** Each change of state, with the power read with it; the first entry is the state before the event. */
  changes: z.array(z.object({ at: isoInstantSchema, state: deviceStateSchema, powerW: nonNegative })),
  /** Seconds from the event's start to the device's first state change after it; absent if it never changed. */
  secondsToFirstChange: nonNegative.optional(),
});
export type DeviceTimeline = z.infer<typeof deviceTimelineSchema>;

export const settlementSchema = z.object({
  /** Energy not drawn during the event against the baseline. */
  reductionMwh: z.number(),
  /** Sustained MW over committed MW (ERCOT's event performance factor for ERS is of this form), capped at 1. */
  performanceFactor: z.number().min(0).max(1),
  /** At the price the event started at, where known. */
  avoidedEnergyCostUsd: z.number().optional(),
  /** The enrolment's standby payment for the event's hours, scaled by the performance factor (ERS, ECRS). */
  capacityCreditUsd: z.number().optional(),
  /** The enrolment's penalty for the MWh committed but not shed. */
  shortfallPenaltyUsd: z.number().optional(),
  /**
   * A 4CP curtailment's expected transmission charge avoided: the probability the window held the month's coincident
   * peak (the forecast that triggered it) × the MW measured off the grid (sustained) × the charge per MW-peak.
   */
  fourCpChargeAvoidedUsd: z.number().optional(),
  estimatedUsd: z.number(),
  /** How each figure was reached, and what it leaves out. */
  notes: z.array(z.string()),
});
export type Settlement = z.infer<typeof settlementSchema>;

/**
 * What the meter figures of the evidence measure. The gateways' telemetry carries `sitePowerKw` as the devices' sum
 * (IT power), while what the event commits — a DR deployment's MW, the ladder's sheddable kW, a 4CP curtailment — is
 * the site's draw from the grid, facility overhead included (core/economics/ladder.ts multiplies by the PUE). The
 * evidence compares them at the grid: each reading is scaled by the site's PUE (cooling and losses taken as
 * proportional to IT load, as the ladder and the planner take them). Version 1 documents compared IT power with
 * facility commitments: a full response scored 1/PUE (0.952 at PUE 1.05).
 */
export const meterBasisSchema = z.object({
  basis: z.literal('facility'),
  /** Where the readings came from: the devices' sum as the gateway reports it. */
  source: z.literal('device-sum'),
  /** The factor each reading was multiplied by. */
  pue: z.number().min(1),
});
export type MeterBasis = z.infer<typeof meterBasisSchema>;

export const gridEventEvidenceSchema = z
  .object({
    /** 1: meter at IT power (no `meterBasis`); 2: meter at facility power. */
    version: z.number().int().min(1).max(EVIDENCE_VERSION),
    event: gridEventSchema,
    computedAt: isoInstantSchema,
    window: z.object({ from: isoInstantSchema, to: isoInstantSchema }),
    /** Absent in version 1 (IT power). */
    meterBasis: meterBasisSchema.optional(),
    baseline: baselineSchema,
    curve: responseCurveSchema,
    devices: z.array(deviceTimelineSchema),
    /**
     * The site's switches in the window: those the gateway made on its own (which devices, on which signal, how fast)
     * beside the SwitchFlows', each with its seconds from the event's start. Absent in version 1.
     */
    switches: z.array(siteSwitchSchema.extend({ secondsFromStart: z.number() })).optional(),
    settlement: settlementSchema,
    /** What the telemetry held: readings and samples used. */
    data: z.object({ meterReadings: z.number().int(), deviceSamples: z.number().int() }),
  })
  .meta({ id: 'GridEventEvidence' });
export type GridEventEvidence = z.infer<typeof gridEventEvidenceSchema>;

/** Thrown when an event cannot be evidenced yet (still open) or at all (no telemetry): the API answers 409. */
export class EvidenceNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceNotReady';
  }
}

/** The window of telemetry the evidence of `event` reads. */
export function evidenceWindow(event: GridEvent): { fromMs: number; toMs: number } {
  if (!event.endAt) throw new EvidenceNotReady(`grid event ${event.id} has not ended`);
  return { fromMs: Date.parse(event.startAt) - LEAD_WINDOW_MS, toMs: Date.parse(event.endAt) + RECOVERY_WINDOW_MS };
}

export function gridEventEvidence(
  event: GridEvent,
  site: Site,
  telemetry: EventTelemetry,
  computedAtMs: number,
): GridEventEvidence {
  const { fromMs, toMs } = evidenceWindow(event);
  if (computedAtMs < toMs) {
    // Stored once and never changed: computed only when the recovery window's telemetry can all be in.
    throw new EvidenceNotReady(`grid event ${event.id}: evidence is final from ${new Date(toMs).toISOString()}`);
  }
  const startMs = Date.parse(event.startAt);
  const endMs = Date.parse(event.endAt as string);
  const meterBasis: MeterBasis = { basis: 'facility', source: 'device-sum', pue: site.pue };
  const facilityMeter = atFacility(telemetry.meter, site.pue);
  const meter = facilityMeter.filter((r) => Date.parse(r.at) >= fromMs && Date.parse(r.at) <= toMs);
  if (!meter.some((r) => Date.parse(r.at) >= startMs && Date.parse(r.at) <= endMs)) {
    throw new EvidenceNotReady(`no meter reading during grid event ${event.id}`);
  }
  let baseline: Baseline;
  try {
    baseline = eventBaseline(event, site, facilityMeter, endMs);
  } catch (error) {
    throw new EvidenceNotReady((error as Error).message);
  }
  const curve = responseCurve(meter, baseline, { startMs, endMs }, event.committedMw);
  return {
    version: EVIDENCE_VERSION,
    event,
    computedAt: new Date(computedAtMs).toISOString(),
    window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    meterBasis,
    baseline,
    curve,
    devices: deviceTimelines(telemetry.devices, fromMs, toMs, startMs),
    switches: (telemetry.switches ?? [])
      .filter((w) => Date.parse(w.at) >= fromMs && Date.parse(w.at) <= toMs)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
      .map((w) => ({ ...w, secondsFromStart: (Date.parse(w.at) - startMs) / 1000 })),
    settlement: settlement(event, site, curve.points, curve.sustainedMw, { startMs, endMs }),
    data: { meterReadings: meter.length, deviceSamples: telemetry.devices.length },
  };
}

/** The site's draw from the grid for each IT reading (see meterBasisSchema). */
export const atFacility = (meter: readonly MeterReading[], pue: number): MeterReading[] =>
  meter.map((r) => ({ at: r.at, sitePowerKw: r.sitePowerKw * pue }));

/** Each device's state changes in the window (the state before the start first), ordered by device id. */
export function deviceTimelines(
  samples: readonly DeviceSample[],
  fromMs: number,
  toMs: number,
  startMs: number,
): DeviceTimeline[] {
  const byDevice = new Map<string, DeviceSample[]>();
  for (const sample of samples) {
    const atMs = Date.parse(sample.at);
    if (atMs < fromMs || atMs > toMs) continue;
    const list = byDevice.get(sample.deviceId) ?? [];
    list.push(sample);
    byDevice.set(sample.deviceId, list);
  }
  return [...byDevice.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([deviceId, list]) => {
      const changes: DeviceTimeline['changes'] = [];
      for (const s of list) {
        if (changes.at(-1)?.state !== s.state) changes.push({ at: s.at, state: s.state, powerW: s.powerW });
      }
      const firstAfter = changes.find((c, i) => i > 0 && Date.parse(c.at) >= startMs);
      const first = list[0] as DeviceSample;
      return {
        deviceId,
        groupId: first.groupId,
        kind: first.kind,
        changes,
        ...(firstAfter ? { secondsToFirstChange: (Date.parse(firstAfter.at) - startMs) / 1000 } : {}),
      };
    });
}

function settlement(
  event: GridEvent,
  site: Site,
  points: Parameters<typeof reductionMwh>[0],
  sustainedMw: number | undefined,
  window: { startMs: number; endMs: number },
): Settlement {
  const mwh = reductionMwh(points, window.startMs, window.endMs);
  const hours = (window.endMs - window.startMs) / 3_600_000;
  const factor = event.committedMw > 0 ? Math.min(1, Math.max(0, (sustainedMw ?? 0) / event.committedMw)) : 0;
  const notes: string[] = [];
  const round = (usd: number) => Math.round(usd * 100) / 100;
  const avoided = event.priceUsdPerMwh === undefined ? undefined : round(mwh * event.priceUsdPerMwh);
  if (avoided === undefined) notes.push('avoided energy cost not estimated: the event carried no real-time price');
  else notes.push(`avoided energy cost: ${mwh.toFixed(4)} MWh at ${event.priceUsdPerMwh} $/MWh (the start's price)`);
  const enrolment = event.kind === 'demand-response' ? site.demandResponse[0] : undefined;
  let capacity: number | undefined;
  let penalty: number | undefined;
  if (enrolment) {
    capacity = round(event.committedMw * hours * enrolment.capacityUsdPerMwh * factor);
    penalty = round(Math.max(0, event.committedMw * hours - mwh) * enrolment.shortfallPenaltyUsdPerMwh);
    notes.push(
      `${enrolment.program}: standby ${enrolment.capacityUsdPerMwh} $/MWh × ${event.committedMw} MW × ${hours.toFixed(3)} h × performance ${factor.toFixed(3)}; shortfall ${enrolment.shortfallPenaltyUsdPerMwh} $/MWh on MWh committed but not shed`,
    );
  }
  let fourCp: number | undefined;
  if (event.kind === 'four-cp' && event.fourCp) {
    const { peakProbability, usdPerMwPerPeak, forecastAt, loadKnownTo } = event.fourCp;
    fourCp = round(peakProbability * (sustainedMw ?? 0) * usdPerMwPerPeak);
    notes.push(
      `4CP: peak probability ${peakProbability.toFixed(4)} (forecast ${forecastAt} on system load known to ${loadKnownTo}) × ${(sustainedMw ?? 0).toFixed(4)} MW sustained × ${usdPerMwPerPeak} $/MW-peak; an expectation: the charge is settled on the summer's actual peaks`,
    );
  } else if (event.kind === 'four-cp') {
    notes.push('4CP: the event carries no forecast record: the charge avoided is not estimated');
  }
  if (event.kind === 'under-frequency') {
    notes.push(
      'RRS: the Load Resource’s capacity is paid by the award, not the event; a shortfall is a compliance matter',
    );
  }
  return {
    reductionMwh: mwh,
    performanceFactor: factor,
    ...(avoided === undefined ? {} : { avoidedEnergyCostUsd: avoided }),
    ...(capacity === undefined ? {} : { capacityCreditUsd: capacity }),
    ...(penalty === undefined ? {} : { shortfallPenaltyUsd: penalty }),
    ...(fourCp === undefined ? {} : { fourCpChargeAvoidedUsd: fourCp }),
    estimatedUsd: round((avoided ?? 0) + (capacity ?? 0) + (fourCp ?? 0) - (penalty ?? 0)),
    notes,
  };
}
