import fc from 'fast-check';
import { DEMAND_SCENARIOS, siteDemand } from '../../../core/demand/scenarios.js';
import type { PriceForecaster } from '../../../core/forecast/types.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS } from '../../../core/optimizer/types.js';
import type { BacktestData } from '../../../core/strategies/context.js';
import { emptyTotals, netProfitUsd, simulateStep } from '../../../core/strategies/simulate.js';
import {
  mpcPerfectStrategy,
  mpcStrategy,
  myopicStrategy,
  oracleStrategy,
  staticStrategy,
  strikeStrategy,
} from '../../../core/strategies/strategies.js';
import { runStrategy } from '../../../sim/backtest/run.js';
import { tinyProblem, tinySite } from '../optimizer/tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/** Persistence: every future interval at the last settled price. */
const persistence: PriceForecaster = {
  name: 'persistence',
  forecast: (h, steps) => ({
    startMs: 0,
    stepMinutes: h.stepMinutes,
    pointUsdPerMwh: new Array<number>(steps).fill(h.rtUsdPerMwh[h.rtUsdPerMwh.length - 1] ?? 0),
    spikeProbability: new Array<number>(steps).fill(0),
  }),
};

function data(prices: number[], capKw: number): BacktestData {
  const site = tinySite({ gpus: true, capKw, wear: 0.05, minOnMinutes: 30 });
  const stepMinutes = 15;
  const demand = siteDemand(site, { ...DEMAND_SCENARIOS.steady!, seed: 3 }, 0, stepMinutes, prices.length, 0);
  return {
    startMs: 0,
    stepMinutes,
    steps: prices.length,
    priceUsdPerMwh: prices,
    hashpriceUsdPerThDay: prices.map(() => 0.048),
    sites: [site],
    demand: [demand],
    drDeployed: prices.map(() => false),
    peakProbability: prices.map(() => 0),
    demandTerms: DEFAULT_DEMAND_TERMS,
    gridTerms: DEFAULT_GRID_TERMS,
  };
}

const pricesArb = fc.array(fc.double({ min: -20, max: 400, noNaN: true }), { minLength: 12, maxLength: 12 });

describe('strategies scored by the common simulator', () => {
  it('no plan exceeds the site cap', () => {
    fc.assert(
      fc.property(pricesArb, fc.integer({ min: 3, max: 25 }), (prices, capKw) => {
        const site = tinySite({ gpus: true, capKw });
        const problem = tinyProblem(site, prices, {
          stepHours: 0.25,
          guaranteed: prices.map(() => 0.5),
          flex: prices.map(() => 0.3),
        });
        const solution = solveSite(highs, problem);
        const totals = emptyTotals();
        let state = problem.state;
        solution.decisions.forEach((decision, t) => {
          expect(solution.sitePowerKw[t]!).toBeLessThanOrEqual(capKw + 1e-6);
          const step = simulateStep(
            site,
            state,
            decision,
            {
              stepHours: 0.25,
              priceUsdPerMwh: prices[t]!,
              hashpriceUsdPerThDay: 0.048,
              guaranteedArrivalsGpuHours: 0.5,
              flexArrivalsGpuHours: 0.3,
              drDeployed: false,
              peakProbability: 0,
            },
            DEFAULT_DEMAND_TERMS,
            DEFAULT_GRID_TERMS,
            totals,
          );
          expect(step.sitePowerKw).toBeLessThanOrEqual(capKw + 1e-6);
          state = step.state;
        });
        expect(totals.capExceededSteps).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('the oracle is never beaten, and mpc-perfect stays within 1% of it', () => {
    fc.assert(
      fc.property(pricesArb, fc.integer({ min: 8, max: 25 }), (prices, capKw) => {
        const d = data(prices, capKw);
        const params = { horizonSteps: 12, fineSteps: 12, coarseBlock: 1, commitSteps: 1 };
        const net = (s: Parameters<typeof runStrategy>[1]) => netProfitUsd(runStrategy(d, s).totals);
        const oracle = net(oracleStrategy(highs, 12, 12));
        const others = [
          net(staticStrategy()),
          net(strikeStrategy()),
          net(myopicStrategy(highs)),
          net(mpcStrategy(highs, persistence, params)),
        ];
        const perfect = net(mpcPerfectStrategy(highs, params));
        // Rounding unit and GPU counts to whole numbers is the only slack between the LP and the simulator.
        const tolerance = 0.01 + 1e-6 * Math.abs(oracle);
        for (const other of [...others, perfect]) expect(other).toBeLessThanOrEqual(oracle + tolerance);
        expect(perfect).toBeGreaterThanOrEqual(oracle - 0.01 * Math.abs(oracle) - tolerance);
      }),
      { numRuns: 5 },
    );
  });
});
