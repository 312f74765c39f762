import { type Site, siteSchema } from '../../../core/model/site.js';
import {
  DEFAULT_DEMAND_TERMS,
  DEFAULT_GRID_TERMS,
  type SiteProblem,
  type SiteState,
} from '../../../core/optimizer/types.js';

/**
 * A site small enough to solve by hand: one ASIC group of `units` units whose curve is (1,000 W, 50 TH/s) and
 * (2,000 W, 80 TH/s), sleeping at 0 W, PUE 1, no switching costs unless asked; optionally one pool of 10 GPUs
 * (idle 100 W, serving 500 W, one H100-equivalent each).
 */
export function tinySite(
  overrides: { units?: number; capKw?: number; gpus?: boolean; wear?: number; minOnMinutes?: number } = {},
): Site {
  return siteSchema.parse({
    id: 'site-tiny-1',
    name: 'Tiny',
    market: 'ERCOT',
    marketNode: 'HB_SOUTH',
    interconnectLimitMw: (overrides.capKw ?? 1000) / 1000,
    pue: 1,
    timeZone: 'America/Chicago',
    asicGroups: [
      {
        id: 'tiny-asic',
        model: 'Test',
        unitCount: overrides.units ?? 10,
        nominalHashrateThs: 80,
        nominalPowerW: 2000,
        powerCurve: [
          { powerW: 1000, hashrateThs: 50 },
          { powerW: 2000, hashrateThs: 80 },
        ],
        sleepPowerW: 0,
        wakeSeconds: 0,
        sleepSeconds: 0,
        minOnMinutes: overrides.minOnMinutes ?? 0,
        minOffMinutes: 0,
        wearUsdPerCycle: overrides.wear ?? 0,
      },
    ],
    gpuPools: overrides.gpus
      ? [
          {
            id: 'tiny-gpu',
            model: 'H100',
            count: 10,
            idlePowerW: 100,
            servingPowerW: 500,
            throughputTokensPerSecByModel: { 'meta-llama/Llama-3.1-70B-Instruct': 900 },
            modelWarmupSeconds: 0,
            memoryGb: 80,
          },
        ]
      : [],
  });
}

/** Hashprice $0.048/TH/s/day = $0.002 per TH/s per hour. */
export const HASHPRICE = 0.048;

export function tinyProblem(
  site: Site,
  prices: number[],
  options: { stepHours?: number; state?: Partial<SiteState>; guaranteed?: number[]; flex?: number[] } = {},
): SiteProblem {
  const n = prices.length;
  return {
    site,
    horizon: {
      stepHours: new Array<number>(n).fill(options.stepHours ?? 1),
      priceUsdPerMwh: prices,
      hashpriceUsdPerThDay: new Array<number>(n).fill(HASHPRICE),
      guaranteedArrivalsGpuHours: options.guaranteed ?? new Array<number>(n).fill(0),
      flexArrivalsGpuHours: options.flex ?? new Array<number>(n).fill(0),
      drDeployed: new Array<boolean>(n).fill(false),
      peakProbability: new Array<number>(n).fill(0),
    },
    state: {
      unitsOn: { 'tiny-asic': site.asicGroups[0]!.unitCount },
      recentStarts: {},
      recentStops: {},
      gpusPowered: Object.fromEntries(site.gpuPools.map((p) => [p.id, p.count])),
      flexBacklog: [],
      drBaselineKw: 0,
      ...options.state,
    },
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
  };
}
