import { normal, type Rng } from '../support/random.js';
import type { LocalCalendar } from './calendar.js';
import { logNormal, ouStep, poisson } from './draws.js';
import type { GpuSpotScenario } from './scenario.js';

/**
 * Shape of the GPU spot rate. Not fitted: no public tick data is in the project. H100 rental rates fell from ~$3–4
 * to ~$2 per GPU-hour through 2024–25 (public marketplace listings), hence a negative default drift; demand shocks
 * (a model launch, a large training job) lift the rate by tens of percent and fade over about a day.
 */
export const GPU_SPOT_SHAPE = {
  noisePhiPerHour: 0.97,
  noiseSigmaLog: 0.04,
  shockMedianLog: 0.2,
  shockSigmaLog: 0.5,
  shockHalfLifeHours: 12,
  /** US business-hours demand: +4% at 14:00 Central, −4% at 02:00. */
  diurnalAmplitudeLog: 0.04,
  peakHour: 14,
} as const;

export class GpuSpotProcess {
  private noiseLog = 0;
  private shockLog = 0;

  constructor(
    private readonly scenario: GpuSpotScenario,
    private readonly stepMinutes: number,
    private readonly rng: Rng,
  ) {
    this.noiseLog = GPU_SPOT_SHAPE.noiseSigmaLog * normal(rng);
  }

  /** GPU spot rate in USD per GPU-hour for the step starting `hoursFromStart` into the scenario. */
  step(calendar: LocalCalendar, hoursFromStart: number): number {
    const { scenario, rng } = this;
    const stepHours = this.stepMinutes / 60;
    this.noiseLog = ouStep(
      rng,
      this.noiseLog,
      GPU_SPOT_SHAPE.noisePhiPerHour ** stepHours,
      GPU_SPOT_SHAPE.noiseSigmaLog,
    );
    this.shockLog *= 0.5 ** (stepHours / GPU_SPOT_SHAPE.shockHalfLifeHours);
    const shocks = poisson(rng, (scenario.shocksPerDay * stepHours) / 24);
    for (let k = 0; k < shocks; k++) {
      this.shockLog += Math.log1p(logNormal(rng, GPU_SPOT_SHAPE.shockMedianLog, GPU_SPOT_SHAPE.shockSigmaLog));
    }
    let surgeLog = 0;
    for (const w of scenario.surgeWindows) {
      if (hoursFromStart >= w.startHour && hoursFromStart < w.startHour + w.durationHours)
        surgeLog += Math.log(w.multiplier);
    }
    const diurnal =
      GPU_SPOT_SHAPE.diurnalAmplitudeLog *
      Math.cos((2 * Math.PI * (calendar.hourOfDay - GPU_SPOT_SHAPE.peakHour)) / 24);
    const trend = Math.log1p(scenario.driftPerYear) * (hoursFromStart / 8766);
    const rate = scenario.startUsdPerGpuHour * Math.exp(trend + this.noiseLog + this.shockLog + surgeLog + diurnal);
    return Math.round(rate * 10_000) / 10_000;
  }
}
