import type { AsicGroup } from '../../model/site.js';
import type { LpVar } from '../lp-text.js';
import type { StepContext } from './step.js';

/**
 * Starts and stops of an ASIC group's units: up_t ≥ u_t − u_{t−1} and dn_t ≥ u_{t−1} − u_t (u_{−1} the units on
 * now); each start is priced in the objective (wear plus the hashing lost while waking). Minimum up/down time: units
 * started within minOn must be on, units stopped within minOff must stay off (Σ_window up ≤ u, Σ_window dn ≤ N − u;
 * the aggregated-unit form of Rajan & Takriti, IBM RC23628, 2005), counting starts and stops before the horizon.
 */
export interface UnitStartVars {
  readonly starts: LpVar;
  readonly stops: LpVar;
}

/** `previous` is u_{t−1}, or undefined in the first step (the units on now, from the state). */
export function addUnitStarts(
  ctx: StepContext,
  group: AsicGroup,
  k: number,
  unitsOn: LpVar,
  previous: LpVar | undefined,
): UnitStartVars {
  const { m, t } = ctx;
  const n = group.unitCount;
  const starts = m.addVar(`up_${k}_${t}`, 0, n);
  const stops = m.addVar(`dn_${k}_${t}`, 0, n);
  // up ≥ u − u_prev and dn ≥ u_prev − u, u_prev a constant in the first step.
  const unitsOnNow = ctx.problem.state.unitsOn[group.id] ?? n;
  const prev = (sign: number) => (previous ? [[previous, sign] as const] : []);
  m.addRow([[starts, 1], [unitsOn, -1], ...prev(1)], '>=', previous ? 0 : -unitsOnNow);
  m.addRow([[stops, 1], [unitsOn, 1], ...prev(-1)], '>=', previous ? 0 : unitsOnNow);
  return { starts, stops };
}

/** Windows are measured in hours, so uneven steps work. `history[τ]` holds the group's starts and stops of step τ ≤ t. */
export function addMinUpDown(
  ctx: StepContext,
  group: AsicGroup,
  unitsOn: LpVar,
  history: readonly UnitStartVars[],
): void {
  const { m, t } = ctx;
  const { state } = ctx.problem;
  const minOnH = group.minOnMinutes / 60;
  const minOffH = group.minOffMinutes / 60;
  const startH = ctx.times.startHours;
  const onTerms: Array<readonly [LpVar, number]> = [[unitsOn, -1]];
  const offTerms: Array<readonly [LpVar, number]> = [[unitsOn, 1]];
  for (let tau = 0; tau <= t; tau += 1) {
    if (startH[t]! - startH[tau]! < minOnH - 1e-9) onTerms.push([history[tau]!.starts, 1]);
    if (startH[t]! - startH[tau]! < minOffH - 1e-9) offTerms.push([history[tau]!.stops, 1]);
  }
  const pastStarts = (state.recentStarts[group.id] ?? [])
    .filter((r) => r.hoursAgo + startH[t]! < minOnH - 1e-9)
    .reduce((a, r) => a + r.units, 0);
  const pastStops = (state.recentStops[group.id] ?? [])
    .filter((r) => r.hoursAgo + startH[t]! < minOffH - 1e-9)
    .reduce((a, r) => a + r.units, 0);
  if (minOnH > 0) m.addRow(onTerms, '<=', -pastStarts);
  if (minOffH > 0) m.addRow(offTerms, '<=', group.unitCount - pastStops);
}
