import { type LpModel as Lp, LpModel, type LpVar } from './lp-text.js';
import {
  FLEX_DELAY_DISCOUNT_PER_HOUR,
  GPU_START_COST_USD,
  gpuSpeed,
  gpuWarmupFraction,
  unitStartCostUsd,
} from './physics.js';
import type { SiteProblem } from './types.js';

/**
 * In MILP mode unit counts, GPUs powered and GPUs serving are integers; in LP mode they are relaxed and rounded when
 * decoded (units down, GPUs up, then the cap restored on the ASICs).
 *
 * The site model of issue 3 (per device group k, GPU pool g, demand class j, step t of length Δt hours).
 *
 * ASIC group k with N units, power-target curve points (P_0,H_0) … (P_M,H_M) per unit, concave:
 *   u_kt ∈ [0,N] units hashing (integer in MILP mode), the rest sleep at sleepPowerW;
 *   p_kmt ∈ [0, (P_m−P_{m−1})·u_kt] power above the lowest target on segment m (concavity fills segments in order,
 *   so no binaries are needed for the curve);
 *   power = sleep·N + (P_0−sleep)·u + Σ_m p_m,  hashrate = H_0·u + Σ_m slope_m·p_m;
 *   ramp variables up_kt ≥ u_kt − u_k,t−1 and dn_kt ≥ u_k,t−1 − u_kt; each start costs wear plus the hashing lost while
 *   waking; minimum up/down time: units started within minOn must be on, units stopped within minOff must stay off
 *   (Σ_window up ≤ u, Σ_window dn ≤ N − u; the aggregated-unit form of Rajan & Takriti, IBM RC23628, 2005).
 * GPU pool g: w_gt powered, s_gjt serving class j; Σ_j s_gjt + warm·start_gt ≤ w_gt (a GPU powered up this step
 *   spends its warm-up loading weights); power = idle·w + (serving − idle)·Σ_j s.
 * Demand: guaranteed work is served in the step it arrives or dropped (an SLA violation, heavily penalised); flex work
 *   queues: b_t = b_{t−1} + a_t − served_t − dropped_t, with cumulative served + dropped ≥ work past its deadline, and
 *   the terminal condition b_T ≤ b_0 (priced slack at the flex price) so the horizon end is not gamed by deferral.
 * Site: P_t = PUE·(ASIC + GPU) ≤ cap; during a demand-response deployment P_t ≤ baseline − committed + shortfall,
 *   shortfall priced at the program's penalty.
 * Objective (maximise): mining revenue + inference revenue − energy at the real-time price − expected 4CP cost
 *   (probability × MW × $/MW per peak) − start costs − SLA and DR-shortfall penalties. Under a fixed-price contract
 *   with sell-back the real-time price is still the right price: a MWh not consumed is sold back at it, so it is the
 *   opportunity cost. DR capacity credits are paid for enrolment whatever the dispatch, so they are a constant the
 *   simulator adds, not a decision term.
 */
export interface SiteModelIndex {
  readonly model: Lp;
  readonly steps: number;
  readonly unitsOn: LpVar[][];
  readonly segments: LpVar[][][];
  readonly gpuPowered: LpVar[][];
  readonly servingGuaranteed: LpVar[][];
  readonly servingFlex: LpVar[][];
  readonly sitePowerKw: LpVar[];
  readonly flexBacklog: LpVar[];
}

export function formulateSite(problem: SiteProblem, integerUnits: boolean): SiteModelIndex {
  const { site, horizon, state, demand, grid } = problem;
  const m = new LpModel();
  const steps = horizon.stepHours.length;
  const startH: number[] = [];
  let acc = 0;
  for (const h of horizon.stepHours) {
    startH.push(acc);
    acc += h;
  }
  const endH = (t: number) => startH[t]! + horizon.stepHours[t]!;

  const unitsOn: LpVar[][] = [];
  const segments: LpVar[][][] = [];
  const gpuPowered: LpVar[][] = [];
  const servingGuaranteed: LpVar[][] = [];
  const servingFlex: LpVar[][] = [];
  const sitePowerKw: LpVar[] = [];
  const flexBacklog: LpVar[] = [];
  const ups: LpVar[][] = [];
  const dns: LpVar[][] = [];

  for (let t = 0; t < steps; t += 1) {
    const dt = horizon.stepHours[t]!;
    const hashprice = horizon.hashpriceUsdPerThDay[t]!;
    const itTerms: Array<readonly [LpVar, number]> = [];
    let itConstantKw = 0;
    unitsOn.push([]);
    segments.push([]);
    ups.push([]);
    dns.push([]);
    site.asicGroups.forEach((g, k) => {
      const n = g.unitCount;
      const sleepKw = g.sleepPowerW / 1000;
      const p0 = g.powerCurve[0]!;
      const u = m.addVar(`u_${k}_${t}`, 0, n, (p0.hashrateThs * hashprice * dt) / 24, integerUnits);
      itConstantKw += sleepKw * n;
      itTerms.push([u, p0.powerW / 1000 - sleepKw]);
      const segs: LpVar[] = [];
      for (let s = 1; s < g.powerCurve.length; s += 1) {
        const a = g.powerCurve[s - 1]!;
        const b = g.powerCurve[s]!;
        const widthKw = (b.powerW - a.powerW) / 1000;
        const thPerKw = (b.hashrateThs - a.hashrateThs) / widthKw;
        const p = m.addVar(`p_${k}_${s}_${t}`, 0, widthKw * n, (thPerKw * hashprice * dt) / 24);
        m.addRow(
          [
            [p, 1],
            [u, -widthKw],
          ],
          '<=',
          0,
        );
        itTerms.push([p, 1]);
        segs.push(p);
      }
      const startCost = unitStartCostUsd(g, hashprice);
      const up = m.addVar(`up_${k}_${t}`, 0, n, -startCost);
      const dn = m.addVar(`dn_${k}_${t}`, 0, n, 0);
      const prev = t === 0 ? undefined : unitsOn[t - 1]![k]!;
      const prevConst = state.unitsOn[g.id] ?? n;
      // up ≥ u − u_prev ; dn ≥ u_prev − u
      if (prev)
        m.addRow(
          [
            [up, 1],
            [u, -1],
            [prev, 1],
          ],
          '>=',
          0,
        );
      else
        m.addRow(
          [
            [up, 1],
            [u, -1],
          ],
          '>=',
          -prevConst,
        );
      if (prev)
        m.addRow(
          [
            [dn, 1],
            [u, 1],
            [prev, -1],
          ],
          '>=',
          0,
        );
      else
        m.addRow(
          [
            [dn, 1],
            [u, 1],
          ],
          '>=',
          prevConst,
        );
      unitsOn[t]!.push(u);
      segments[t]!.push(segs);
      ups[t]!.push(up);
      dns[t]!.push(dn);
    });

    // Minimum up/down times, windows measured in hours so uneven steps work.
    site.asicGroups.forEach((g, k) => {
      const minOnH = g.minOnMinutes / 60;
      const minOffH = g.minOffMinutes / 60;
      const onTerms: Array<readonly [LpVar, number]> = [[unitsOn[t]![k]!, -1]];
      const offTerms: Array<readonly [LpVar, number]> = [[unitsOn[t]![k]!, 1]];
      for (let tau = 0; tau <= t; tau += 1) {
        if (startH[t]! - startH[tau]! < minOnH - 1e-9) onTerms.push([ups[tau]![k]!, 1]);
        if (startH[t]! - startH[tau]! < minOffH - 1e-9) offTerms.push([dns[tau]![k]!, 1]);
      }
      const pastStarts = (state.recentStarts[g.id] ?? [])
        .filter((r) => r.hoursAgo + startH[t]! < minOnH - 1e-9)
        .reduce((a, r) => a + r.units, 0);
      const pastStops = (state.recentStops[g.id] ?? [])
        .filter((r) => r.hoursAgo + startH[t]! < minOffH - 1e-9)
        .reduce((a, r) => a + r.units, 0);
      if (minOnH > 0) m.addRow(onTerms, '<=', -pastStarts);
      if (minOffH > 0) m.addRow(offTerms, '<=', g.unitCount - pastStops);
    });

    // GPUs and demand.
    gpuPowered.push([]);
    servingGuaranteed.push([]);
    servingFlex.push([]);
    const gCapacity: Array<readonly [LpVar, number]> = [];
    const fCapacity: Array<readonly [LpVar, number]> = [];
    site.gpuPools.forEach((pool, g) => {
      const w = m.addVar(`w_${g}_${t}`, 0, pool.count, 0, integerUnits);
      const sg = m.addVar(`sg_${g}_${t}`, 0, pool.count, 0, integerUnits);
      const sf = m.addVar(`sf_${g}_${t}`, 0, pool.count, 0, integerUnits);
      const gs = m.addVar(`gs_${g}_${t}`, 0, pool.count, -GPU_START_COST_USD);
      const prev = t === 0 ? undefined : gpuPowered[t - 1]![g]!;
      if (prev)
        m.addRow(
          [
            [gs, 1],
            [w, -1],
            [prev, 1],
          ],
          '>=',
          0,
        );
      else
        m.addRow(
          [
            [gs, 1],
            [w, -1],
          ],
          '>=',
          -(state.gpusPowered[pool.id] ?? pool.count),
        );
      m.addRow(
        [
          [sg, 1],
          [sf, 1],
          [gs, gpuWarmupFraction(pool, dt)],
          [w, -1],
        ],
        '<=',
        0,
      );
      itTerms.push([w, pool.idlePowerW / 1000], [sg, (pool.servingPowerW - pool.idlePowerW) / 1000]);
      itTerms.push([sf, (pool.servingPowerW - pool.idlePowerW) / 1000]);
      gCapacity.push([sg, -gpuSpeed(pool) * dt]);
      fCapacity.push([sf, -gpuSpeed(pool) * dt]);
      gpuPowered[t]!.push(w);
      servingGuaranteed[t]!.push(sg);
      servingFlex[t]!.push(sf);
    });

    const workG = m.addVar(`wg_${t}`, 0, Number.POSITIVE_INFINITY, demand.guaranteedUsdPerGpuHour);
    const dropG = m.addVar(`dg_${t}`, 0, Number.POSITIVE_INFINITY, -demand.guaranteedSlaPenaltyUsdPerGpuHour);
    m.addRow(
      [
        [workG, 1],
        [dropG, 1],
      ],
      '=',
      horizon.guaranteedArrivalsGpuHours[t]!,
    );
    m.addRow([[workG, 1], ...gCapacity], '<=', 0);
    const workF = m.addVar(
      `wf_${t}`,
      0,
      Number.POSITIVE_INFINITY,
      demand.flexUsdPerGpuHour * (1 - FLEX_DELAY_DISCOUNT_PER_HOUR * startH[t]!),
    );
    const dropF = m.addVar(`df_${t}`, 0, Number.POSITIVE_INFINITY, -demand.flexSlaPenaltyUsdPerGpuHour);
    const backlog = m.addVar(`bf_${t}`, 0, Number.POSITIVE_INFINITY, 0);
    m.addRow([[workF, 1], ...fCapacity], '<=', 0);
    const initialBacklog = state.flexBacklog.reduce((a, c) => a + c.gpuHours, 0);
    const prevBacklog = flexBacklog[t - 1];
    m.addRow(
      [[backlog, 1], ...(prevBacklog ? ([[prevBacklog, -1]] as const) : []), [workF, 1], [dropF, 1]],
      '=',
      horizon.flexArrivalsGpuHours[t]! + (prevBacklog ? 0 : initialBacklog),
    );
    flexBacklog.push(backlog);
    // Deadline: all work due by the end of step t has been served or dropped by then. Since the backlog is what
    // arrived minus what was served or dropped, that is a bound on the backlog: it may hold only work not yet due.
    // Arrivals in step τ fall due flexDeadlineHours after the step starts. (A cumulative-sum row would say the same
    // with O(T²) nonzeros.)
    let notDueGpuHours = state.flexBacklog
      .filter((c) => c.dueInHours > endH(t) + 1e-9)
      .reduce((a, c) => a + c.gpuHours, 0);
    for (let tau = 0; tau <= t; tau += 1) {
      if (startH[tau]! + demand.flexDeadlineHours > endH(t) + 1e-9)
        notDueGpuHours += horizon.flexArrivalsGpuHours[tau]!;
    }
    m.addRow([[backlog, 1]], '<=', notDueGpuHours);

    // Site power and cap.
    const price = horizon.priceUsdPerMwh[t]! + (problem.couplingPriceUsdPerMwh?.[t] ?? 0);
    const peakCost = (horizon.peakProbability[t]! * grid.fourCpUsdPerMwPerPeak) / 1000;
    const capKw = Math.min(site.interconnectLimitMw * 1000, problem.capKw?.[t] ?? Number.POSITIVE_INFINITY);
    const power = m.addVar(`P_${t}`, 0, capKw, -(price * dt) / 1000 - peakCost);
    m.addRow([[power, 1], ...itTerms.map(([v, c]) => [v, -c * site.pue] as const)], '=', itConstantKw * site.pue);
    if (horizon.drDeployed[t]) {
      site.demandResponse.forEach((dr, e) => {
        const shortfall = m.addVar(
          `sh_${e}_${t}`,
          0,
          Number.POSITIVE_INFINITY,
          -(dr.shortfallPenaltyUsdPerMwh * dt) / 1000,
        );
        m.addRow(
          [
            [power, 1],
            [shortfall, -1],
          ],
          '<=',
          Math.max(0, state.drBaselineKw - dr.committedMw * 1000),
        );
      });
    }
    sitePowerKw.push(power);
  }

  if (problem.terminalBacklog !== false && steps > 0) {
    const initialBacklog = state.flexBacklog.reduce((a, c) => a + c.gpuHours, 0);
    const slack = m.addVar('bslack', 0, Number.POSITIVE_INFINITY, -demand.flexUsdPerGpuHour);
    m.addRow(
      [
        [flexBacklog[steps - 1]!, 1],
        [slack, -1],
      ],
      '<=',
      initialBacklog,
    );
  }

  return { model: m, steps, unitsOn, segments, gpuPowered, servingGuaranteed, servingFlex, sitePowerKw, flexBacklog };
}
