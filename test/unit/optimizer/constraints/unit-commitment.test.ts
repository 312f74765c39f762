import type { Site } from '../../../../core/model/site.js';
import { addMinUpDown, addUnitStarts } from '../../../../core/optimizer/constraints/unit-commitment.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { rowsOf, sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

function withMinTimes(minOnMinutes: number, minOffMinutes: number): Site {
  const site = tinySite();
  return { ...site, asicGroups: [{ ...site.asicGroups[0]!, minOnMinutes, minOffMinutes }] };
}

describe('unit commitment family', () => {
  it('adds starts and stops measured from the units on now in the first step', () => {
    // Prepare: 4 of 10 units on now.
    const site = tinySite();
    const ctx = stepContext(tinyProblem(site, [40], { state: { unitsOn: { 'tiny-asic': 4 } } }));
    const unitsOn = ctx.m.addVar('u_0_0', 0, 10);
    // Act
    addUnitStarts(ctx, site.asicGroups[0]!, 0, unitsOn, undefined);
    // Assess: up ≥ u − 4, dn ≥ 4 − u.
    expect(sizeOf(ctx)).toEqual({ rows: 2, cols: 3 });
    expect(rowsOf(ctx)).toEqual(['+ 1 up_0_0 - 1 u_0_0 >= -4', '+ 1 dn_0_0 + 1 u_0_0 >= 4']);
  });

  it('adds one window row per minimum time in force, net of recent starts and stops', () => {
    // Prepare: min on 30 min, min off 60 min; 3 units started 0.1 h ago, 2 stopped 0.9 h ago.
    const site = withMinTimes(30, 60);
    const state = {
      recentStarts: { 'tiny-asic': [{ hoursAgo: 0.1, units: 3 }] },
      recentStops: { 'tiny-asic': [{ hoursAgo: 0.9, units: 2 }] },
    };
    const ctx = stepContext(tinyProblem(site, [40], { state, stepHours: 0.25 }));
    const unitsOn = ctx.m.addVar('u_0_0', 0, 10);
    const starts = addUnitStarts(ctx, site.asicGroups[0]!, 0, unitsOn, undefined);
    const before = ctx.m.rowCount;
    // Act
    addMinUpDown(ctx, site.asicGroups[0]!, unitsOn, [starts]);
    // Assess: up − u ≤ −3 (3 units must stay on), u + dn ≤ 10 − 2 (2 units must stay off).
    expect(ctx.m.rowCount - before).toBe(2);
    expect(rowsOf(ctx).slice(before)).toEqual(['- 1 u_0_0 + 1 up_0_0 <= -3', '+ 1 u_0_0 + 1 dn_0_0 <= 8']);
  });

  it('keeps units started in the first step on through their minimum on time', () => {
    // Prepare: all asleep, two 15-min steps at $40 then $120. Free to stop: run step 1 only, 0.8 × 0.25 = 0.2.
    // Min on 30 min: a start in step 1 holds the units on in step 2 at the lowest target, 10 × (0.10 − 0.12) × 0.25
    // = −0.05, which still leaves 0.15 > 0 for starting.
    const state = { unitsOn: { 'tiny-asic': 0 } };
    const free = tinyProblem(withMinTimes(0, 0), [40, 120], { state, stepHours: 0.25 });
    const held = tinyProblem(withMinTimes(30, 0), [40, 120], { state, stepHours: 0.25 });
    // Act
    const sFree = solveSite(highs, free);
    const sHeld = solveSite(highs, held);
    // Assess
    expect(sFree.objectiveUsd).toBeCloseTo(0.2, 6);
    expect(sHeld.objectiveUsd).toBeCloseTo(0.15, 6);
    expect(sHeld.decisions[1]!.asic[0]).toEqual({ groupId: 'tiny-asic', unitsOn: 10, powerPerUnitW: 1000 });
  });

  it('keeps units stopped recently off through their minimum off time', () => {
    // Prepare: all asleep, stopped 0.3 h ago, min off 30 min, two 15-min steps at $40: step 1 (0.3 h after the stop)
    // must stay off, step 2 (0.55 h) may run: 0.8 × 0.25 = 0.2 instead of 0.4.
    const state = { unitsOn: { 'tiny-asic': 0 }, recentStops: { 'tiny-asic': [{ hoursAgo: 0.3, units: 10 }] } };
    // Act
    const s = solveSite(highs, tinyProblem(withMinTimes(0, 30), [40, 40], { state, stepHours: 0.25 }));
    // Assess
    expect(s.objectiveUsd).toBeCloseTo(0.2, 6);
    expect(s.decisions.map((d) => d.asic[0]!.unitsOn)).toEqual([0, 10]);
  });
});
