import { ercotDeploymentProbabilities } from '../../../core/ancillary/deployment-history.js';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS } from '../../../core/demand/scenarios.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { mpcStrategy } from '../../../core/strategies/strategies.js';
import { loadBacktestData } from '../../../sim/backtest/data.js';
import { deployedStrategy } from '../../../sim/backtest/deployed-strategy.js';
import { runStrategy } from '../../../sim/backtest/run.js';
import { ERCOT_AS_PRICE_FILE, ERCOT_PRICE_FILE, HASHPRICE_FILE } from '../../support/paths.js';

/**
 * Parity with ancillary services (issue 25): the OptimizeFlow's solve, replayed with the DAM capacity prices ingested
 * into the market history as they are posted, co-optimises the same offers as the backtest's mpc+as.
 */
describe('the deployed planner and the backtest mpc+as', () => {
  it('offer the same capacity and take the same decisions over the 2025-02-20 cold morning', async () => {
    // Prepare: 2025-02-19..21 holds the day the DAM cleared RRS, ECRS and Non-Spin at $270/MW-h.
    const data = loadBacktestData({
      pricesFile: ERCOT_PRICE_FILE,
      hashpriceFile: HASHPRICE_FILE,
      ancillaryPricesFile: ERCOT_AS_PRICE_FILE,
      priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
      stepMinutes: 15,
      fromMs: Date.parse('2025-02-19T12:00:00Z'),
      toMs: Date.parse('2025-02-21T00:00:00Z'),
      fleet: { sites: referenceFleet.sites.slice(0, 1) },
      demand: DEMAND_SCENARIOS[DEFAULT_DEMAND_SCENARIO]!,
    });
    const highs = await loadHighs();
    const layout = { horizonSteps: 48, fineSteps: 8, coarseBlock: 4, commitSteps: 1, solve: { mode: 'lp' as const } };
    const planning = { deploymentProbability: ercotDeploymentProbabilities() };

    // Act
    const mpcAs = await runStrategy(data, mpcStrategy(highs, createRidgeForecaster(), layout, planning));
    const deployed = await runStrategy(data, deployedStrategy(highs, data, layout, layout.solve));

    // Assess: the offers earned something; the replay matches until the horizon is cut at the end of the data.
    const compared = data.steps - layout.horizonSteps;
    const head = <T>(xs: readonly T[]) => xs.slice(0, compared);
    expect(mpcAs.totals.ancillaryRevenueUsd).toBeGreaterThan(0);
    expect(deployed.unitsOn.map((site) => site.map(head))).toEqual(mpcAs.unitsOn.map((site) => site.map(head)));
    const net = (run: typeof mpcAs) => head(run.stepNetUsd).reduce((a, b) => a + b, 0);
    expect(Math.abs(net(deployed) - net(mpcAs))).toBeLessThanOrEqual(1e-6 * Math.abs(net(mpcAs)));
  }, 1_200_000);
});
