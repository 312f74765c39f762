import { addDemand, addTerminalBacklog } from '../../../../core/optimizer/constraints/demand.js';
import type { ServingCapacity } from '../../../../core/optimizer/constraints/gpu-serving.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import type { SiteProblem } from '../../../../core/optimizer/types.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { rowsOf, sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/** The tiny site with GPUs only (hashprice 0 prices the ASICs out), flex work arriving as given. */
function gpuOnly(prices: number[], flex: number[], stepHours: number, extra: Partial<SiteProblem> = {}): SiteProblem {
  const problem = tinyProblem(tinySite({ gpus: true }), prices, { flex, stepHours });
  const horizon = { ...problem.horizon, hashpriceUsdPerThDay: prices.map(() => 0) };
  return { ...problem, horizon, ...extra };
}

describe('demand family', () => {
  it('adds served, dropped and backlog variables with the balance, capacity and deadline rows', () => {
    // Prepare: 2 GPU-hours guaranteed and 5 flex arriving in a 1-hour step; 3 GPU-hours waiting, 1 of them due in
    // 0.5 h (past the step's end), so at most 2 + 5 may be left in the backlog.
    const problem = tinyProblem(tinySite({ gpus: true }), [40], {
      guaranteed: [2],
      flex: [5],
      state: {
        flexBacklog: [
          { dueInHours: 0.5, gpuHours: 1 },
          { dueInHours: 4, gpuHours: 2 },
        ],
      },
    });
    const ctx = stepContext(problem);
    const sg = ctx.m.addVar('sg', 0, 10);
    const sf = ctx.m.addVar('sf', 0, 10);
    const capacity: ServingCapacity = { guaranteed: [[sg, -1]], flex: [[sf, -1]], bids: new Map() };
    // Act
    addDemand(ctx, capacity, undefined);
    // Assess
    expect(sizeOf(ctx)).toEqual({ rows: 5, cols: 2 + 5 });
    expect(rowsOf(ctx)).toEqual([
      '+ 1 wg_0 + 1 dg_0 = 2',
      '+ 1 wg_0 - 1 sg <= 0',
      '+ 1 wf_0 - 1 sf <= 0',
      '+ 1 bf_0 + 1 wf_0 + 1 df_0 = 8',
      '+ 1 bf_0 <= 7',
    ]);
  });

  it('adds the terminal row only when the problem asks for it and there is a step', () => {
    // Prepare
    const problem = tinyProblem(tinySite(), [40]);
    const on = stepContext(problem);
    const off = stepContext({ ...problem, terminalBacklog: false });
    const last = on.m.addVar('bf_0', 0, 10);
    off.m.addVar('bf_0', 0, 10);
    // Act
    const slack = addTerminalBacklog(on.m, problem, last);
    const none = addTerminalBacklog(off.m, off.problem, last);
    // Assess
    expect(slack?.name).toBe('bslack');
    expect(rowsOf(on)).toEqual(['+ 1 bf_0 - 1 bslack <= 0']);
    expect(none).toBeUndefined();
    expect(off.m.rowCount).toBe(0);
    expect(addTerminalBacklog(on.m, problem, undefined)).toBeUndefined();
  });

  it('serves flex work by its deadline even when later power is cheaper', () => {
    // Prepare: 20 GPU-hours of flex work in the first of two 4-hour steps, $200 then $0/MWh.
    // Deadline 6 h (due at the end of step 2): defer it, power 5 GPUs up in step 2 and serve at 0.4% delay discount:
    // 20 × 1.5 × 0.996 − 5 × $0.05 = 29.63.
    // Deadline 2 h (due within step 1): 5 GPUs serve in step 1 at 0.5 kW for 4 h at $0.2/kWh: 30 − 2.0 = 28.
    const late = gpuOnly([200, 0], [20, 0], 4);
    const soon = { ...late, demand: { ...late.demand, flexDeadlineHours: 2 } };
    // Act
    const sLate = solveSite(highs, late);
    const sSoon = solveSite(highs, soon);
    // Assess
    expect(sLate.objectiveUsd).toBeCloseTo(29.63, 6);
    expect(sSoon.objectiveUsd).toBeCloseTo(28, 6);
    expect(sSoon.decisions[0]!.gpu[0]!.servingFlex).toBe(5);
  });

  it('serves work at a loss rather than leave it for after the horizon, unless the terminal condition is off', () => {
    // Prepare: 10 GPU-hours of flex work in the second of two hours, $0 then $4,000/MWh. Serving costs
    // 0.5 kW × $4 = $2 per GPU-hour and earns 1.5 × 0.999: a loss of 10 × 0.5015 = 5.015, less than the slack's
    // $1.5 per GPU-hour left over. Without the condition the work waits past the horizon for nothing.
    const withTerminal = gpuOnly([0, 4000], [0, 10], 1);
    const without = { ...withTerminal, terminalBacklog: false };
    // Act
    const sWith = solveSite(highs, withTerminal);
    const sWithout = solveSite(highs, without);
    // Assess
    expect(sWith.objectiveUsd).toBeCloseTo(-5.015, 6);
    expect(sWith.decisions[1]!.gpu[0]!.servingFlex).toBe(10);
    expect(sWithout.objectiveUsd).toBeCloseTo(0, 6);
  });
});
