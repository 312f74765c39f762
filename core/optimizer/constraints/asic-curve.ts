import type { AsicGroup } from '../../model/site.js';
import type { LpVar } from '../lp-text.js';
import type { ItLoad, StepContext } from './step.js';

/**
 * ASIC group k with N units and concave power-target curve points (P_0,H_0) … (P_M,H_M) per unit, in step t:
 *   u ∈ [0,N] units hashing (integer in MILP mode), the rest asleep at sleepPowerW;
 *   p_m ∈ [0, (P_m − P_{m−1})·u] the power above the lowest target on segment m. The curve is concave, so the
 *   cheaper-per-TH segments fill first and no binaries are needed;
 *   IT power = sleep·N + (P_0 − sleep)·u + Σ_m p_m,  hashrate = H_0·u + Σ_m slope_m·p_m (priced in objective.ts).
 * An `alwaysOn` group (monitoring-only firmware) is fixed: u = N and every segment full, i.e. all units at the top
 * target, a constant load the rest of the site is planned around.
 */
export interface AsicCurveVars {
  readonly unitsOn: LpVar;
  readonly segments: LpVar[];
}

/** The curve's segments above the lowest target: kW wide per unit, TH/s per kW on it. */
export function curveSegments(group: AsicGroup): Array<{ widthKw: number; thsPerKw: number }> {
  return group.powerCurve.slice(1).map((b, i) => {
    const a = group.powerCurve[i]!;
    const widthKw = (b.powerW - a.powerW) / 1000;
    return { widthKw, thsPerKw: (b.hashrateThs - a.hashrateThs) / widthKw };
  });
}

export function addAsicCurve(ctx: StepContext, group: AsicGroup, k: number, load: ItLoad): AsicCurveVars {
  const { m, t } = ctx;
  const n = group.unitCount;
  const sleepKw = group.sleepPowerW / 1000;
  const fixed = group.alwaysOn;
  const unitsOn = m.addVar(`u_${k}_${t}`, fixed ? n : 0, n, 0, ctx.integerUnits);
  load.constantKw += sleepKw * n;
  load.terms.push([unitsOn, group.powerCurve[0]!.powerW / 1000 - sleepKw]);
  const segments = curveSegments(group).map(({ widthKw }, i) => {
    const p = m.addVar(`p_${k}_${i + 1}_${t}`, fixed ? widthKw * n : 0, widthKw * n);
    m.addRow(
      [
        [p, 1],
        [unitsOn, -widthKw],
      ],
      '<=',
      0,
    );
    load.terms.push([p, 1]);
    return p;
  });
  return { unitsOn, segments };
}
