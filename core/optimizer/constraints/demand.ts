import type { LpModel, LpVar } from '../lp-text.js';
import type { SiteProblem } from '../types.js';
import type { ServingCapacity } from './gpu-serving.js';
import type { StepContext } from './step.js';

/**
 * Inference demand in step t, in H100-equivalent GPU-hours. Guaranteed work is served in the step it arrives or
 * dropped (an SLA violation, priced heavily in the objective). Flex work queues:
 * b_t = b_{t−1} + a_t − served_t − dropped_t, and by the end of each step everything past its deadline has been served
 * or dropped. Over the horizon, b_T ≤ b_0 (priced slack) so the end of the horizon is not gamed by deferral.
 */
export interface DemandVars {
  readonly servedGuaranteed: LpVar;
  readonly droppedGuaranteed: LpVar;
  readonly servedFlex: LpVar;
  readonly droppedFlex: LpVar;
  readonly flexBacklog: LpVar;
}

export function initialFlexBacklogGpuHours(problem: SiteProblem): number {
  return problem.state.flexBacklog.reduce((a, c) => a + c.gpuHours, 0);
}

/** `previousBacklog` is b_{t−1}, or undefined in the first step (the backlog now, from the state). */
export function addDemand(ctx: StepContext, capacity: ServingCapacity, previousBacklog: LpVar | undefined): DemandVars {
  const { m, t, times, problem } = ctx;
  const { horizon, state, demand } = problem;
  const inf = Number.POSITIVE_INFINITY;
  const servedGuaranteed = m.addVar(`wg_${t}`, 0, inf);
  const droppedGuaranteed = m.addVar(`dg_${t}`, 0, inf);
  m.addRow(
    [
      [servedGuaranteed, 1],
      [droppedGuaranteed, 1],
    ],
    '=',
    horizon.guaranteedArrivalsGpuHours[t]!,
  );
  m.addRow([[servedGuaranteed, 1], ...capacity.guaranteed], '<=', 0);
  const servedFlex = m.addVar(`wf_${t}`, 0, inf);
  const droppedFlex = m.addVar(`df_${t}`, 0, inf);
  const flexBacklog = m.addVar(`bf_${t}`, 0, inf);
  m.addRow([[servedFlex, 1], ...capacity.flex], '<=', 0);
  m.addRow(
    [
      [flexBacklog, 1],
      ...(previousBacklog ? ([[previousBacklog, -1]] as const) : []),
      [servedFlex, 1],
      [droppedFlex, 1],
    ],
    '=',
    horizon.flexArrivalsGpuHours[t]! + (previousBacklog ? 0 : initialFlexBacklogGpuHours(problem)),
  );
  // Deadline: all work due by the end of step t has been served or dropped by then. Since the backlog is what
  // arrived minus what was served or dropped, that is a bound on the backlog: it may hold only work not yet due.
  // Arrivals in step τ fall due flexDeadlineHours after the step starts. (A cumulative-sum row would say the same
  // with O(T²) nonzeros.)
  const endH = times.endHours[t]!;
  let notDueGpuHours = state.flexBacklog.filter((c) => c.dueInHours > endH + 1e-9).reduce((a, c) => a + c.gpuHours, 0);
  for (let tau = 0; tau <= t; tau += 1) {
    if (times.startHours[tau]! + demand.flexDeadlineHours > endH + 1e-9)
      notDueGpuHours += horizon.flexArrivalsGpuHours[tau]!;
  }
  m.addRow([[flexBacklog, 1]], '<=', notDueGpuHours);
  return { servedGuaranteed, droppedGuaranteed, servedFlex, droppedFlex, flexBacklog };
}

/** b_T ≤ b_0 + slack; the slack is priced in the objective. Returns the slack, or undefined when the problem opts out. */
export function addTerminalBacklog(
  m: LpModel,
  problem: SiteProblem,
  lastBacklog: LpVar | undefined,
): LpVar | undefined {
  if (problem.terminalBacklog === false || !lastBacklog) return undefined;
  const slack = m.addVar('bslack', 0, Number.POSITIVE_INFINITY);
  m.addRow(
    [
      [lastBacklog, 1],
      [slack, -1],
    ],
    '<=',
    initialFlexBacklogGpuHours(problem),
  );
  return slack;
}
