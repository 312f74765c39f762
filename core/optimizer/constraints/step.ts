import type { LpModel, LpVar } from '../lp-text.js';
import type { SiteProblem } from '../types.js';

/** Where each step of a horizon starts and ends, in hours from the horizon start: steps may be uneven. */
export interface StepTimes {
  readonly stepHours: readonly number[];
  readonly startHours: readonly number[];
  readonly endHours: readonly number[];
}

export function stepTimes(stepHours: readonly number[]): StepTimes {
  const startHours: number[] = [];
  const endHours: number[] = [];
  let elapsedHours = 0;
  stepHours.forEach((hours, t) => {
    startHours.push(elapsedHours);
    elapsedHours += hours;
    endHours.push(startHours[t]! + hours);
  });
  return { stepHours, startHours, endHours };
}

/** What every constraint family reads while it adds step t to the model. */
export interface StepContext {
  readonly m: LpModel;
  readonly problem: SiteProblem;
  readonly times: StepTimes;
  readonly t: number;
  /** MILP mode: unit counts, GPUs powered and GPUs serving are integers. */
  readonly integerUnits: boolean;
}

/** Step t's length in hours. */
export const stepHoursOf = (ctx: StepContext): number => ctx.times.stepHours[ctx.t]!;

/** IT power drawn by what the families add in a step, before PUE: kW per unit of each variable plus a constant. */
export interface ItLoad {
  readonly terms: Array<readonly [LpVar, number]>;
  constantKw: number;
}

export function emptyLoad(): ItLoad {
  return { terms: [], constantKw: 0 };
}
