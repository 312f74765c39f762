import { NOMINAL_FREQUENCY_HZ, UNDER_FREQUENCY_TRIP_HZ } from '../messages/grid-signal.js';
import type { GridEvent } from '../model/market.js';
import type { Fleet } from '../model/site.js';
import type { Rng } from '../support/random.js';
import { isoInstant, isWeekend, type LocalCalendar, MS_PER_HOUR } from './calendar.js';
import { ouStep, poisson } from './draws.js';
import type { GridScenario } from './scenario.js';

/** A fall of grid frequency below the 59.7 Hz under-frequency trip line, and its recovery. */
export interface FrequencyDip {
  readonly id: string;
  readonly startMs: number;
  readonly nadirHz: number;
  /** Time from the start to the nadir: the fall after a large unit trips takes seconds. */
  readonly fallSeconds: number;
  /** Time from the nadir back to within 0.01 Hz of nominal. */
  readonly recoverySeconds: number;
}

export const frequencyDipEndMs = (dip: FrequencyDip) => dip.startMs + (dip.fallSeconds + dip.recoverySeconds) * 1000;

/** Frequency of one dip at `atMs`, or undefined outside it: linear fall, exponential recovery. */
export function dipFrequencyHz(dip: FrequencyDip, atMs: number): number | undefined {
  const t = (atMs - dip.startMs) / 1000;
  if (t < 0 || t > dip.fallSeconds + dip.recoverySeconds) return undefined;
  const depth = NOMINAL_FREQUENCY_HZ - dip.nadirHz;
  if (t <= dip.fallSeconds) return NOMINAL_FREQUENCY_HZ - depth * (t / dip.fallSeconds);
  // Recovery to 1% of the depth at the end: e-folding time = recovery / ln(100).
  const tau = dip.recoverySeconds / Math.log(100);
  return NOMINAL_FREQUENCY_HZ - depth * Math.exp(-(t - dip.fallSeconds) / tau);
}

/**
 * Grid frequency sampled at a fixed step: an OU wander inside ERCOT's normal band (sd ~0.015 Hz, kept within
 * ±0.1 Hz, so only a dip ever crosses 59.7 Hz), overlaid with the dips.
 */
export class FrequencySampler {
  private noiseHz = 0;
  constructor(
    private readonly dips: readonly FrequencyDip[],
    private readonly stepSeconds: number,
    private readonly rng: Rng,
  ) {}

  sample(atMs: number): number {
    // Primary frequency response pulls deviations back within about a minute.
    this.noiseHz = ouStep(this.rng, this.noiseHz, Math.exp(-this.stepSeconds / 60), 0.015);
    let hz = NOMINAL_FREQUENCY_HZ + Math.max(-0.1, Math.min(0.1, this.noiseHz));
    for (const dip of this.dips) {
      const dipHz = dipFrequencyHz(dip, atMs);
      if (dipHz !== undefined) hz = Math.min(hz, dipHz);
    }
    return Math.round(hz * 1000) / 1000;
  }
}

export interface GridStepInput {
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly calendar: LocalCalendar;
  readonly hoursFromStart: number;
  /** Highest real-time price across nodes this step. */
  readonly maxPriceUsdPerMwh: number;
  readonly temperatureC: number;
}

export interface GridStepOutput {
  /** Events that begin in this step. */
  readonly started: readonly GridEvent[];
  /** Events in force during this step (started earlier or now, not yet ended). */
  readonly active: readonly GridEvent[];
  readonly dips: readonly FrequencyDip[];
}

/**
 * ERCOT-like grid events:
 * - ECRS deployments when a node reaches scarcity pricing (ECRS is deployed as reserves tighten, Nodal Protocols
 *   6.5.7.6.2.4), plus a background rate; 1–2 h each.
 * - ERS deployments at the start of an energy emergency (ERS is deployed in EEA, Nodal Protocols 3.14.3.3), plus a
 *   rare background rate; 1–3 h each.
 * - Emergency (EEA) windows from the scenario.
 * - 4CP: each weekday of June–September has a 16:00–18:00 window whose probability of holding the month's ERCOT
 *   peak grows with the afternoon temperature (the four coincident peaks set transmission charges for the year).
 * - Frequency dips below 59.7 Hz: Poisson, much more frequent inside emergencies.
 */
export class GridEventProcess {
  private readonly active: GridEvent[] = [];
  private counter = 0;
  private readonly ersSites: string[];
  private readonly ecrsSites: string[];
  private readonly emergencyStarted = new Set<number>();

  constructor(
    private readonly scenario: GridScenario,
    fleet: Fleet,
    private readonly rng: Rng,
  ) {
    const enrolled = (test: (program: string) => boolean) =>
      fleet.sites.filter((s) => s.demandResponse.some((d) => test(d.program))).map((s) => s.id);
    this.ersSites = enrolled((p) => p.startsWith('ERS'));
    this.ecrsSites = enrolled((p) => p === 'ECRS');
  }

  step(input: GridStepInput): GridStepOutput {
    const { scenario, rng } = this;
    const { startMs, stepMinutes, calendar, hoursFromStart } = input;
    const stepHours = stepMinutes / 60;
    const endMs = startMs + stepMinutes * 60_000;
    // Fixed draw order per step keeps the stream reproducible whatever fires.
    const uEcrs = rng.next();
    const uErs = rng.next();
    const uLength = rng.next();
    const started: GridEvent[] = [];
    const isActive = (kind: GridEvent['kind'], program?: string) =>
      this.active.some((e) => e.kind === kind && e.program === program && Date.parse(e.endsAt) > startMs);

    const emergencyIndex = scenario.emergencyWindows.findIndex(
      (w) => hoursFromStart >= w.startHour && hoursFromStart < w.startHour + w.durationHours,
    );
    const inEmergency = emergencyIndex >= 0;
    if (inEmergency && !this.emergencyStarted.has(emergencyIndex)) {
      this.emergencyStarted.add(emergencyIndex);
      const w = scenario.emergencyWindows[emergencyIndex]!;
      const windowEndMs = startMs + (w.startHour + w.durationHours - hoursFromStart) * MS_PER_HOUR;
      started.push(this.event('emergency', startMs, windowEndMs));
      if (this.ersSites.length > 0 && !isActive('demand-response', 'ERS-30')) {
        started.push(
          this.event('demand-response', startMs, startMs + (1 + 2 * uLength) * MS_PER_HOUR, 'ERS-30', this.ersSites),
        );
      }
    }
    const ecrsHazard = (scenario.ecrsDeploymentsPerWeek * stepHours) / 168;
    if (
      this.ecrsSites.length > 0 &&
      !isActive('demand-response', 'ECRS') &&
      (input.maxPriceUsdPerMwh >= scenario.ecrsTriggerUsdPerMwh || uEcrs < ecrsHazard)
    ) {
      started.push(
        this.event('demand-response', startMs, startMs + (1 + uLength) * MS_PER_HOUR, 'ECRS', this.ecrsSites),
      );
    }
    const ersHazard = (scenario.ersDeploymentsPerWeek * stepHours) / 168;
    if (this.ersSites.length > 0 && !isActive('demand-response', 'ERS-30') && uErs < ersHazard) {
      started.push(
        this.event('demand-response', startMs, startMs + (1 + 2 * uLength) * MS_PER_HOUR, 'ERS-30', this.ersSites),
      );
    }
    if (
      calendar.hour === 16 &&
      calendar.minute === 0 &&
      calendar.month >= 6 &&
      calendar.month <= 9 &&
      !isWeekend(calendar)
    ) {
      // Logistic in the 16:00 temperature (°C): ~5% on a 30 °C afternoon, ~50% at 36 °C (shape, not fitted).
      const probability = 0.6 / (1 + Math.exp(-(input.temperatureC - 35) / 1.5));
      if (probability >= 0.05) {
        started.push({
          ...this.event('4cp-peak', startMs, startMs + 2 * MS_PER_HOUR),
          probability: Math.round(probability * 100) / 100,
        });
      }
    }

    const dipsPerDay = inEmergency ? scenario.emergencyFrequencyDipsPerDay : scenario.frequencyDipsPerDay;
    const dipCount = poisson(rng, (dipsPerDay * stepHours) / 24);
    const dips: FrequencyDip[] = [];
    for (let k = 0; k < dipCount; k++) {
      const dipStartMs = startMs + Math.floor(rng.next() * stepMinutes * 60) * 1000;
      const dip: FrequencyDip = {
        id: `fdip-${calendar.localDate.replaceAll('-', '')}-${++this.counter}`,
        startMs: dipStartMs,
        // Below the trip line by 0.01–0.3 Hz: 59.4 Hz is near the deepest ERCOT has seen outside February 2021.
        nadirHz: Math.round((UNDER_FREQUENCY_TRIP_HZ - 0.01 - 0.29 * rng.next()) * 1000) / 1000,
        fallSeconds: 3 + Math.floor(7 * rng.next()),
        recoverySeconds: 60 + Math.floor(420 * rng.next()),
      };
      dips.push(dip);
      started.push({
        id: dip.id,
        kind: 'frequency-dip',
        siteIds: [],
        startsAt: isoInstant(dip.startMs),
        endsAt: isoInstant(frequencyDipEndMs(dip)),
      });
    }
    this.active.push(...started);
    const active = this.active.filter((e) => Date.parse(e.endsAt) > startMs && Date.parse(e.startsAt) < endMs);
    this.active.splice(0, this.active.length, ...active.filter((e) => Date.parse(e.endsAt) > endMs));
    return { started, active, dips };
  }

  private event(
    kind: GridEvent['kind'],
    startMs: number,
    endMs: number,
    program?: GridEvent['program'],
    siteIds: string[] = [],
  ): GridEvent {
    const prefix = program ? program.toLowerCase() : kind;
    return {
      id: `${prefix}-${isoInstant(startMs).slice(0, 10).replaceAll('-', '')}-${++this.counter}`,
      kind,
      ...(program ? { program } : {}),
      siteIds,
      startsAt: isoInstant(startMs),
      endsAt: isoInstant(Math.round(endMs / 60_000) * 60_000),
    };
  }
}
