import { LpModel } from '../../../core/optimizer/lp-text.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from './tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

// Per unit and hour at hashprice $0.002/TH/s/h: the first 1 kW earns 50 × 0.002 = $0.10, the second kW 30 × 0.002 =
// $0.06. At $p/MWh a kW-hour costs p/1000.
describe('site model on instances solved by hand', () => {
  it('runs the whole curve when power is cheap', () => {
    // $40/MWh: both segments pay (0.04 < 0.06): 10 units × (0.10 + 0.06) − 20 kW × 0.04 = 1.6 − 0.8 = 0.8.
    const s = solveSite(highs, tinyProblem(tinySite(), [40]));
    expect(s.objectiveUsd).toBeCloseTo(0.8, 6);
    expect(s.sitePowerKw[0]).toBeCloseTo(20, 6);
  });

  it('underclocks to the lowest target when only the first segment pays', () => {
    // $80/MWh: 0.08 < 0.10 but > 0.06: 10 units at 1 kW: 1.0 − 10 × 0.08 = 0.2.
    const s = solveSite(highs, tinyProblem(tinySite(), [80]));
    expect(s.objectiveUsd).toBeCloseTo(0.2, 6);
    expect(s.decisions[0]!.asic[0]).toEqual({ groupId: 'tiny-asic', unitsOn: 10, powerPerUnitW: 1000 });
  });

  it('sleeps every unit above breakeven', () => {
    // $120/MWh: 0.12 > 0.10: off, objective 0.
    const s = solveSite(highs, tinyProblem(tinySite(), [120]));
    expect(s.objectiveUsd).toBeCloseTo(0, 6);
    expect(s.decisions[0]!.asic[0]!.unitsOn).toBe(0);
  });

  it('spreads a binding cap over all units at lower targets (concave curve)', () => {
    // Cap 15 kW at $40: 10 units at 1 kW + 5 kW of second segment = 1.0 + 0.3 − 0.6 = 0.7
    // (7.5 units at 2 kW would give 1.2 − 0.6 = 0.6).
    const s = solveSite(highs, tinyProblem(tinySite({ capKw: 15 }), [40]));
    expect(s.objectiveUsd).toBeCloseTo(0.7, 6);
    expect(s.decisions[0]!.asic[0]!.unitsOn).toBe(10);
    expect(s.decisions[0]!.asic[0]!.powerPerUnitW).toBeCloseTo(1500, 3);
  });

  it('MILP keeps unit counts whole and reports the gap to the LP relaxation', () => {
    // 3 units, cap 2.5 kW, $40. LP: 2.5 units at 1 kW = 0.25 − 0.10 = 0.15. MILP: 2 units + 0.5 kW of segment 2
    // = 0.20 + 0.03 − 0.10 = 0.13. Gap (0.15 − 0.13) / max(1, 0.13) = 2%.
    const lp = solveSite(highs, tinyProblem(tinySite({ units: 3, capKw: 2.5 }), [40]), { mode: 'lp' });
    const milp = solveSite(highs, tinyProblem(tinySite({ units: 3, capKw: 2.5 }), [40]), { mode: 'milp' });
    expect(lp.objectiveUsd).toBeCloseTo(0.15, 6);
    expect(milp.objectiveUsd).toBeCloseTo(0.13, 6);
    expect(milp.mode).toBe('milp');
    expect(milp.mipGapPct).toBeCloseTo(2, 4);
  });

  it('starts units only when the horizon pays back the start cost', () => {
    // From all asleep, $0.05 wear per start: 2 h at $40 earns 0.8 × 2 = 1.6 > 10 × 0.05 → start: 1.6 − 0.5 = 1.1.
    const state = { unitsOn: { 'tiny-asic': 0 } };
    const long = solveSite(highs, tinyProblem(tinySite({ wear: 0.05 }), [40, 40], { state }));
    expect(long.objectiveUsd).toBeCloseTo(1.1, 6);
    // One 15-min step earns 0.8 × 0.25 = 0.2 < 0.5: stay asleep.
    const short = solveSite(highs, tinyProblem(tinySite({ wear: 0.05 }), [40], { state, stepHours: 0.25 }));
    expect(short.objectiveUsd).toBeCloseTo(0, 6);
    expect(short.decisions[0]!.asic[0]!.unitsOn).toBe(0);
  });

  it('holds units started within their minimum on time, at the lowest target', () => {
    // Started 15 min ago, min on 60 min, $120 for 15 min: per unit 0.10 × 0.25 − 1 kW × 0.12 × 0.25 = −0.005;
    // 10 units: −0.05.
    const state = { recentStarts: { 'tiny-asic': [{ hoursAgo: 0.25, units: 10 }] } };
    const s = solveSite(highs, tinyProblem(tinySite({ minOnMinutes: 60 }), [120], { state, stepHours: 0.25 }));
    expect(s.objectiveUsd).toBeCloseTo(-0.05, 6);
    expect(s.decisions[0]!.asic[0]).toEqual({ groupId: 'tiny-asic', unitsOn: 10, powerPerUnitW: 1000 });
  });

  it('powers only the GPUs the guaranteed work needs', () => {
    // 4 GPU-hours of guaranteed work at $3, $40/MWh, ASICs priced out by hashprice 0: 4 GPUs serve (500 W each):
    // 12 − 2 kW × 0.04 = 11.92; the 6 idle GPUs are powered down (0.1 kW × 0.04 each saved).
    const problem = tinyProblem(tinySite({ gpus: true }), [40], { guaranteed: [4] });
    const s = solveSite(highs, { ...problem, horizon: { ...problem.horizon, hashpriceUsdPerThDay: [0] } });
    expect(s.objectiveUsd).toBeCloseTo(11.92, 6);
    expect(s.decisions[0]!.gpu[0]).toMatchObject({ gpusPowered: 4, servingGuaranteed: 4 });
  });
});

describe('LP text', () => {
  it('wraps every line under 200 characters', () => {
    const m = new LpModel();
    const vars = Array.from({ length: 300 }, (_, i) => m.addVar(`x_${i}`, 0, 1, 1.234567));
    m.addRow(
      vars.map((v) => [v, 1.5] as const),
      '<=',
      10,
    );
    const text = m.toText();
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(200);
    expect(highsSolves(text)).toBeCloseTo((10 / 1.5) * 1.234567, 4);
  });
});

function highsSolves(text: string): number {
  return highs.solve(text).ObjectiveValue;
}
