import { planSchema } from '../../../core/model/plan.js';
import { solveFleet, toPlan } from '../../../core/optimizer/dispatch.js';
import { type HighsSolver, loadHighs } from '../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from './tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

describe('fleet dispatch', () => {
  it('solves independent sites separately and emits a valid Plan with each site ladder', () => {
    // Prepare: two tiny sites, $40 then $80 over two 15-min steps.
    const a = tinyProblem(tinySite(), [40, 80], { stepHours: 0.25 });
    const b = tinyProblem({ ...tinySite(), id: 'site-tiny-2' }, [40, 80], { stepHours: 0.25 });
    // Act
    const solution = solveFleet(highs, { sites: [a, b] });
    const plan = toPlan({ sites: [a, b] }, solution, {
      version: 1,
      createdAtMs: Date.parse('2024-11-17T06:00:00Z'),
      horizonStartMs: Date.parse('2024-11-17T06:00:00Z'),
      intervalMinutes: 15,
      gpuRevenueUsdPerGpuHour: 3,
    });
    // Assess: per site (0.8 × 0.25) + (0.2 × 0.25) = 0.25 (see site-model.test.ts), two sites 0.5.
    expect(solution.objectiveUsd).toBeCloseTo(0.5, 6);
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(plan.sites.map((s) => s.intervals.length)).toEqual([2, 2]);
    expect(plan.sites[0]!.intervals[1]!.asicGroups[0]).toEqual({
      groupId: 'tiny-asic',
      unitsOn: 10,
      powerTargetKw: 10,
    });
    // Breakeven of the 25 J/TH group at $0.048/TH/day: 0.048 / (25 × 86400 / 3.6e9) = $80/MWh.
    expect(plan.sites[0]!.ladder[0]!.stopAbovePriceUsdPerMwh).toBeCloseTo(80, 6);
  });

  it('coordinates a portfolio cap shared by the sites', () => {
    // Two sites would each draw 20 kW at $40; the fleet may draw 24 kW.
    const a = tinyProblem(tinySite(), [40], { stepHours: 1 });
    const b = tinyProblem({ ...tinySite(), id: 'site-tiny-2' }, [40], { stepHours: 1 });
    const solution = solveFleet(highs, { sites: [a, b], portfolioCapKw: [24] });
    const total = solution.sites.reduce((sum, s) => sum + s.sitePowerKw[0]!, 0);
    expect(total).toBeLessThanOrEqual(24 + 1e-6);
    // 20 kW of first segments (1.0 each, 0.04/kWh) + 4 kW of second segments (0.06 each):
    // 2 − 0.8 + 4 × (0.06 − 0.04) = 1.28.
    expect(solution.objectiveUsd).toBeCloseTo(1.28, 4);
  });
});

describe('a group the site cannot switch (stock cgminer)', () => {
  it('holds it on at its top target through a price spike, marks it alwaysOn in the plan and gives it no rung', () => {
    // Prepare: the tiny group twice, the second monitoring-only; $5,000/MWh makes every unit lose money.
    const site = tinySite();
    const stock = { ...site.asicGroups[0]!, id: 'tiny-stock', alwaysOn: true };
    const problem = tinyProblem({ ...site, asicGroups: [site.asicGroups[0]!, stock] }, [5000], { stepHours: 0.25 });
    // Act
    const solution = solveFleet(highs, { sites: [problem] });
    const plan = toPlan({ sites: [problem] }, solution, {
      version: 1,
      createdAtMs: Date.parse('2024-11-17T06:00:00Z'),
      horizonStartMs: Date.parse('2024-11-17T06:00:00Z'),
      intervalMinutes: 15,
      gpuRevenueUsdPerGpuHour: 3,
    });
    // Assess: the switchable group sleeps, the stock one runs 10 units × 2,000 W.
    const groups = plan.sites[0]!.intervals[0]!.asicGroups;
    expect(groups.find((g) => g.groupId === 'tiny-asic')).toMatchObject({ unitsOn: 0 });
    expect(groups.find((g) => g.groupId === 'tiny-stock')).toEqual({
      groupId: 'tiny-stock',
      unitsOn: 10,
      powerTargetKw: 20,
      alwaysOn: true,
    });
    expect(plan.sites[0]!.ladder.map((r) => r.groupId)).not.toContain('tiny-stock');
    expect(planSchema.safeParse(plan).success).toBe(true);
  });
});
