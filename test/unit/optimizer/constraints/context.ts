import { type StepContext, stepTimes } from '../../../../core/optimizer/constraints/step.js';
import { LpModel } from '../../../../core/optimizer/lp-text.js';
import type { SiteProblem } from '../../../../core/optimizer/types.js';

/** A fresh model and the context a constraint family sees for step `t` of `problem`. */
export function stepContext(problem: SiteProblem, t = 0, integerUnits = false): StepContext {
  return { m: new LpModel(), problem, times: stepTimes(problem.horizon.stepHours), t, integerUnits };
}

/** The rows and columns a family added to the model, read from the model's own counts. */
export function sizeOf(ctx: StepContext): { rows: number; cols: number } {
  return { rows: ctx.m.rowCount, cols: ctx.m.colCount };
}

/** The rows of the model's LP text, without their labels: what a family wrote, in order. */
export function rowsOf(ctx: StepContext): string[] {
  const text = ctx.m.toText();
  const body = text.slice(text.indexOf('Subject To\n') + 'Subject To\n'.length, text.indexOf('\nBounds'));
  return body.split('\n').map((line) => line.replace(/^ r\d+: /, '').trim());
}
