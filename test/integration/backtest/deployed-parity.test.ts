import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS } from '../../../core/demand/scenarios.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { mpcStrategy } from '../../../core/strategies/strategies.js';
import { loadBacktestData } from '../../../sim/backtest/data.js';
import { deployedStrategy } from '../../../sim/backtest/deployed-strategy.js';
import { runStrategy } from '../../../sim/backtest/run.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE } from '../../support/paths.js';

/**
 * Parity: the OptimizeFlow's solve, replayed in-process with the market history filled by the ingestion use case and
 * the ridge refitted by the scheduled refit use case, takes the backtest mpc's decisions. A 12-hour horizon keeps the
 * run short; the layout is the same for both, as in production (where both use DEPLOYED_LAYOUT, the CLI's default).
 */
describe('the deployed planner and the backtest mpc', () => {
  it('take the same decisions over three days of the shipped ERCOT file, within the solver tolerance', async () => {
    // Prepare: 2025-01-20..23 holds a 6-hourly refit every day and the ridge's fit windows move.
    const data = loadBacktestData({
      pricesFile: ERCOT_PRICE_FILE,
      hashpriceFile: HASHPRICE_FILE,
      priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
      stepMinutes: 15,
      fromMs: Date.parse('2025-01-20T00:00:00Z'),
      toMs: Date.parse('2025-01-23T00:00:00Z'),
      // Two sites (ASIC groups of both kinds, GPU pools) keep the run short; sites are solved independently.
      fleet: { sites: referenceFleet.sites.slice(0, 2) },
      demand: DEMAND_SCENARIOS[DEFAULT_DEMAND_SCENARIO]!,
    });
    const highs = await loadHighs();
    const layout = { horizonSteps: 48, fineSteps: 8, coarseBlock: 4, commitSteps: 1, solve: { mode: 'lp' as const } };

    // Act
    const mpc = await runStrategy(data, mpcStrategy(highs, createRidgeForecaster(), layout));
    const deployed = await runStrategy(data, deployedStrategy(highs, data, layout, layout.solve));

    // Assess: every decision until the mpc's horizon starts to be cut at the end of the data (the backtest knows where
    // its data ends; a dispatch does not).
    const compared = data.steps - layout.horizonSteps;
    expect(compared).toBeGreaterThanOrEqual(2 * 96);
    const head = <T>(xs: readonly T[]) => xs.slice(0, compared);
    expect(deployed.unitsOn.map((site) => site.map(head))).toEqual(mpc.unitsOn.map((site) => site.map(head)));
    const close = (a: readonly number[], b: readonly number[], tolerance: number) =>
      head(a).every((x, t) => Math.abs(x - b[t]!) <= tolerance * Math.max(1, Math.abs(x)));
    for (let s = 0; s < data.sites.length; s += 1) {
      expect(close(deployed.asicKw[s]!, mpc.asicKw[s]!, 1e-6)).toBe(true);
      expect(close(deployed.gpuKw[s]!, mpc.gpuKw[s]!, 1e-6)).toBe(true);
    }
    const net = (run: typeof mpc) => head(run.stepNetUsd).reduce((a, b) => a + b, 0);
    expect(Math.abs(net(deployed) - net(mpc))).toBeLessThanOrEqual(1e-6 * Math.abs(net(mpc)));
  }, 1_200_000);
});
