import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Site } from '../../../core/model/site.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS, type SiteProblem } from '../../../core/optimizer/types.js';
import { initialSiteState } from '../../../core/strategies/simulate.js';

/**
 * The reference sites over a few horizons, chosen so every constraint family of the site model is in play: uneven
 * steps, a demand-response deployment, 4CP peak probability, a coupling price and a tighter cap, units started and
 * stopped recently, GPUs partly powered, a flex backlog with deadlines, MILP and LP modes, with and without the
 * terminal backlog condition. The LP text of each is pinned in fixtures/formulate-reference.json, captured from the
 * model before formulateSite was split, so a refactor of the formulation must leave every model byte-identical.
 */
export interface ReferenceCase {
  readonly name: string;
  readonly problem: SiteProblem;
  readonly integerUnits: boolean;
}

function site(id: string): Site {
  const found = referenceFleet.sites.find((s) => s.id === id);
  if (!found) throw new RangeError(`reference fleet has no site ${id}`);
  return found;
}

/** A repeating pattern cut to `n` values: deterministic data without Math.sin. */
const cycle = <T>(pattern: readonly T[], n: number): T[] =>
  Array.from({ length: n }, (_, t) => pattern[t % pattern.length]!);

function westDrDay(): SiteProblem {
  const west = site('site-west-1');
  const stepHours = [...new Array<number>(6).fill(1 / 12), 0.5, 0.5, 1, 1, 2, 4];
  const n = stepHours.length;
  const initial = initialSiteState(west);
  return {
    site: west,
    horizon: {
      stepHours,
      priceUsdPerMwh: cycle([32.5, 41, -4.25, 180, 1250, 75.125, 28], n),
      hashpriceUsdPerThDay: cycle([0.049, 0.0485, 0.051], n),
      guaranteedArrivalsGpuHours: cycle([3.5, 0, 12, 40.25, 7], n),
      flexArrivalsGpuHours: cycle([0, 20, 5.5, 60, 0, 11], n),
      drDeployed: stepHours.map((_, t) => t >= 3 && t <= 7),
      peakProbability: cycle([0, 0, 0.15, 0.6, 0.3], n),
    },
    state: {
      ...initial,
      unitsOn: { 'west-s21-a': 3200, 'west-s19xp-a': 1500 },
      recentStarts: { 'west-s21-a': [{ hoursAgo: 0.05, units: 400 }], 'west-s19xp-a': [{ hoursAgo: 0.2, units: 100 }] },
      recentStops: { 'west-s19xp-a': [{ hoursAgo: 0.1, units: 700 }] },
      gpusPowered: { 'west-h100-a': 180 },
      flexBacklog: [
        { dueInHours: 0.25, gpuHours: 14 },
        { dueInHours: 3, gpuHours: 55.5 },
        { dueInHours: 9, gpuHours: 8 },
      ],
      drBaselineKw: 21_500,
    },
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
    couplingPriceUsdPerMwh: cycle([0, 3.75, 12], n),
    capKw: cycle([24_000, 22_000, 19_500.5], n),
  };
}

function southMilpHour(): SiteProblem {
  const south = site('site-south-1');
  const n = 4;
  return {
    site: south,
    horizon: {
      stepHours: new Array<number>(n).fill(0.25),
      priceUsdPerMwh: [22, 95.5, 140, 60],
      hashpriceUsdPerThDay: new Array<number>(n).fill(0.05),
      guaranteedArrivalsGpuHours: [30, 12.5, 0, 80],
      flexArrivalsGpuHours: [10, 0, 45, 5],
      drDeployed: [false, true, true, false],
      peakProbability: [0.1, 0.1, 0, 0],
    },
    state: {
      ...initialSiteState(south),
      unitsOn: { 'south-s21hyd-a': 2000 },
      gpusPowered: { 'south-h200-a': 300 },
      flexBacklog: [{ dueInHours: 0.5, gpuHours: 20 }],
      drBaselineKw: 17_000,
    },
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
    terminalBacklog: false,
  };
}

function northHourly(steps: number): SiteProblem {
  const north = site('site-north-1');
  return {
    site: north,
    horizon: {
      stepHours: new Array<number>(steps).fill(1),
      priceUsdPerMwh: cycle([18, 24.5, 31, 47, 88, 210, 66, 29], steps),
      hashpriceUsdPerThDay: cycle([0.047, 0.0472], steps),
      guaranteedArrivalsGpuHours: cycle([120, 340.5, 600, 90], steps),
      flexArrivalsGpuHours: cycle([400, 0, 150.25], steps),
      drDeployed: new Array<boolean>(steps).fill(false),
      peakProbability: new Array<number>(steps).fill(0),
    },
    state: initialSiteState(north),
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
  };
}

export function referenceCases(): ReferenceCase[] {
  return [
    {
      name: 'west: 12 uneven steps, DR, 4CP, coupling price, shared cap, recent starts and stops (LP)',
      problem: westDrDay(),
      integerUnits: false,
    },
    { name: 'south: 4 quarter-hours, DR, no terminal condition (MILP)', problem: southMilpHour(), integerUnits: true },
    { name: 'north: 24 hourly steps from all on (LP)', problem: northHourly(24), integerUnits: false },
    { name: 'north: 2 hourly steps (MILP)', problem: northHourly(2), integerUnits: true },
  ];
}
