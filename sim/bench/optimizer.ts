/**
 * `npm run bench:optimizer`: (1) the OptimizeFlow scaled out (issue 20) for 10, 100 and 500 sites on the deployed
 * solver: per-site solve times, the one-Lambda path (all sites in one solve, in-process), the Map's wall time on the
 * synthesized ASL with 2 worker threads and DynamoDB Local, a model of the Map's makespan with N concurrent Lambdas,
 * and Lambda GB-s per dispatch; the last output line is one JSON object with these figures. (2) The wall time of one dispatch decision (every site's receding-horizon model built, solved with
 * HiGHS and decoded) for 1, 10, 50 and 100 sites over 24 h at 5 min, with model sizes and the decision time as a share
 * of the 5-minute interval. Two horizon layouts: uniform (288 five-minute steps, the definition) and the
 * default receding layout (2 h at 5 min, then hourly blocks: 46 steps). Baselines in the same run: the myopic decision
 * (one step per site) and a one-site solve, with ratios.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { DEMAND_SCENARIOS, siteDemand } from '../../core/demand/scenarios.js';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { hashpriceOnGrid } from '../../core/market-data/series.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Site } from '../../core/model/site.js';
import { solveFleet } from '../../core/optimizer/dispatch.js';
import { loadHighs } from '../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS, type SiteProblem } from '../../core/optimizer/types.js';
import { buildHorizon, horizonBlocks } from '../../core/strategies/context.js';
import { initialSiteState } from '../../core/strategies/simulate.js';
import { integerFlag, parseArgsOrExit } from '../cli/args.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE, readHashpriceFile, readPriceFile } from '../data/market-files.js';
import { benchScaleOut } from './optimizer-map/scale-out.js';

const { values: flags } = parseArgsOrExit({
  command: 'bench:optimizer',
  usage: 'npm run bench:optimizer -- [--part all|scale-out|layouts] [--max-run-sites N]',
  flags: z.strictObject({
    part: z.enum(['all', 'scale-out', 'layouts']).default('all'),
    maxRunSites: integerFlag(1, 500).default(500),
  }),
  help: {
    part: 'scale-out: the OptimizeFlow Map figures (issue 20); layouts: one decision per horizon layout; all: both',
    maxRunSites: [
      'N',
      'largest fleet run in full; a larger one is measured on an N-site sample (per-site times) and scaled (walls)',
    ],
  },
});

const STEP_MINUTES = 5;
const INTERVAL_MS = STEP_MINUTES * 60_000;
const SITE_COUNTS = [1, 10, 50, 100];

function fleetOf(n: number): Site[] {
  return Array.from({ length: n }, (_, i) => {
    const base = referenceFleet.sites[i % referenceFleet.sites.length]!;
    return { ...base, id: `${base.id}-${i}` };
  });
}

const prices = readPriceFile(ERCOT_PRICE_FILE, STEP_MINUTES);
const hashprice = hashpriceOnGrid(readHashpriceFile(HASHPRICE_FILE), prices.rtUsdPerMwh);
// A volatile day: 2024-11-17 (scarcity spike to $3,490/MWh in the shared file), starting at local midnight.
const startIndex = Math.round((Date.parse('2024-11-17T06:00:00Z') - prices.rtUsdPerMwh.startMs) / INTERVAL_MS);

/** The sites' problems for one decision at local midnight of that day, built the way the backtest builds them. */
function problems(sites: Site[], blocks: number[]): SiteProblem[] {
  const steps = blocks.reduce((a, b) => a + b, 0);
  const startMs = prices.rtUsdPerMwh.startMs + startIndex * INTERVAL_MS;
  const data = {
    startMs,
    stepMinutes: STEP_MINUTES,
    steps,
    priceUsdPerMwh: prices.rtUsdPerMwh.values.slice(startIndex, startIndex + steps),
    hashpriceUsdPerThDay: hashprice.values.slice(startIndex, startIndex + steps),
    sites,
    demand: sites.map((site, s) => siteDemand(site, DEMAND_SCENARIOS.steady!, startMs, STEP_MINUTES, steps, s)),
    drDeployed: new Array<boolean>(steps).fill(false),
    peakProbability: new Array<number>(steps).fill(0),
    demandTerms: DEFAULT_DEMAND_TERMS,
    gridTerms: DEFAULT_GRID_TERMS,
  };
  return sites.map((site, s) => ({
    site,
    horizon: buildHorizon(data, 0, blocks, {
      price: (k) => data.priceUsdPerMwh[k]!,
      hashprice: (k) => data.hashpriceUsdPerThDay[k]!,
      guaranteed: (k) => data.demand[s]!.guaranteedGpuHours[k]!,
      flex: (k) => data.demand[s]!.flexGpuHours[k]!,
      dr: () => false,
    }),
    state: initialSiteState(site),
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
  }));
}

const highs = await loadHighs();
const nowMs = () => performance.now();

function decide(sites: Site[], blocks: number[]) {
  const started = performance.now();
  const solution = solveFleet(highs, { sites: problems(sites, blocks) }, { nowMs, mode: 'lp' });
  return { ms: performance.now() - started, solution };
}

if (flags.part !== 'scale-out') layoutsSection();

const scaleOut =
  flags.part === 'layouts'
    ? undefined
    : await benchScaleOut({
        siteCounts: [10, 100, 500],
        fleetOf: (n) => ({ sites: fleetOf(n) }),
        market: snapshotAt(startIndex),
        workers: 2,
        maxRunSites: flags.maxRunSites,
      });
if (scaleOut) console.log(JSON.stringify(scaleOut));

/** The market as ingestion would have stored it at that decision: the file's price at every node. */
function snapshotAt(index: number): MarketSnapshot {
  const atMs = prices.rtUsdPerMwh.startMs + index * INTERVAL_MS;
  const price = prices.rtUsdPerMwh.values[index]!;
  return {
    at: new Date(atMs).toISOString(),
    intervalMinutes: STEP_MINUTES,
    prices: [...new Set(referenceFleet.sites.map((site) => site.marketNode))].map((node) => ({
      node,
      realTimeUsdPerMwh: price,
    })),
    hashprice: {
      hashpriceUsdPerThDay: hashprice.values[index]!,
      btcPriceUsd: 95_000,
      difficulty: 1.1e14,
      subsidyBtc: 3.125,
      feesBtcPerDay: 20,
    },
    gpuSpotUsdPerGpuHour: 2.1,
    gridEvents: [],
  };
}

/** One decision per horizon layout and fleet size, with its model size and baselines. */
function layoutsSection() {
  // Warm-up: the first wasm solve compiles code paths.
  decide(fleetOf(1), [1]);
  const myopic1 = decide(fleetOf(1), [1]).ms;
  const layouts = {
    'uniform 288×5 min': new Array<number>(288).fill(1),
    '2 h at 5 min + hourly': horizonBlocks(288, 24, 12),
  };
  const rows: Record<string, string | number>[] = [];
  let oneSiteUniformMs = 0;
  for (const [layout, blocks] of Object.entries(layouts)) {
    for (const n of SITE_COUNTS) {
      const sites = fleetOf(n);
      const myopic = decide(sites, [1]).ms;
      const { ms, solution } = decide(sites, blocks);
      if (n === 1 && layout.startsWith('uniform')) oneSiteUniformMs = ms;
      rows.push({
        layout,
        sites: n,
        steps: blocks.length,
        rows: solution.rows,
        cols: solution.cols,
        integers: solution.integers,
        'decision ms': Math.round(ms),
        '% of 5-min interval': Number(((ms / INTERVAL_MS) * 100).toFixed(3)),
        '× myopic (same sites)': Number((ms / myopic).toFixed(1)),
        '× 1-site uniform': Number((ms / (oneSiteUniformMs || ms)).toFixed(1)),
      });
      console.error(`  ${layout}, ${n} sites: ${Math.round(ms)} ms`);
    }
  }
  // MILP on a small instance: what the integer mode costs and the gap it reports.
  const milp = solveFleet(
    highs,
    { sites: problems(fleetOf(1), horizonBlocks(288, 12, 48)) },
    { nowMs, mode: 'milp', timeLimitSeconds: 10 },
  );
  console.log(`baseline: myopic decision for 1 site ${myopic1.toFixed(1)} ms`);
  console.table(rows);
  console.log(
    `MILP, 1 site, ${milp.sites[0]!.decisions.length} steps: ${milp.integers} integers, ${milp.solveMs.toFixed(0)} ms, gap ${milp.mipGapPct.toFixed(4)}%`,
  );
}
