import type { OpenBid } from '../../../core/bids/demand-curve.js';
import { bidStream } from '../../../core/demand/bid-stream.js';
import { DEMAND_SCENARIOS, siteDemand } from '../../../core/demand/scenarios.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS } from '../../../core/optimizer/types.js';
import { emptyTotals, simulateStep } from '../../../core/strategies/simulate.js';
import { tinyProblem, tinySite } from '../optimizer/tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

const startMs = Date.parse('2025-01-20T00:00:00Z');
const openBid = (id: string, limitUsdPerGpuHour: number, remainingGpuHours: number, deadlineHours = 4): OpenBid => ({
  id,
  tenantId: 't1',
  modelClass: 'meta-llama/Llama-3.1-70B-Instruct',
  limitUsdPerGpuHour,
  remainingGpuHours,
  allOrNothing: false,
  placedAt: new Date(startMs).toISOString(),
  status: 'open',
  earliestStartMs: startMs,
  deadlineMs: startMs + deadlineHours * 3_600_000,
});
const truth = (guaranteed: number, bids?: { arrivals: OpenBid[] }) => ({
  stepHours: 1,
  priceUsdPerMwh: 40,
  hashpriceUsdPerThDay: 0.048,
  guaranteedArrivalsGpuHours: guaranteed,
  flexArrivalsGpuHours: 0,
  drDeployed: false,
  peakProbability: 0,
  ...(bids ? { bids: { startMs, ...bids } } : {}),
});

describe('bids in the backtest scorer (issue 28)', () => {
  it('plans the bids a site’s state holds and clears them at the lowest accepted limit; guaranteed work keeps its price', () => {
    // Prepare: 10 GPUs, 2 GPU-hours of guaranteed work, bids of 5 GPU-hours at $6 and 5 at $4 in the book.
    const site = tinySite({ gpus: true });
    const book = [openBid('a', 6, 5), openBid('b', 4, 5)];
    const problem = tinyProblem(site, [40], { guaranteed: [2] });
    const plan = solveSite(highs, { ...problem, bids: [] }); // no bids: the decision without them
    const withBids = solveSite(highs, {
      ...problem,
      bids: book.map((b) => ({
        bidId: b.id,
        modelClass: b.modelClass,
        limitUsdPerGpuHour: b.limitUsdPerGpuHour,
        gpuHours: 5,
        fromHour: 0,
        toHour: 4,
      })),
    });
    const totals = emptyTotals();
    // Act
    const step = simulateStep(
      site,
      { ...problem.state, openBids: book },
      withBids.decisions[0]!,
      truth(2, { arrivals: [] }),
      DEFAULT_DEMAND_TERMS,
      DEFAULT_GRID_TERMS,
      totals,
    );
    // Assess
    expect(plan.decisions[0]!.gpu[0]!.servingBids).toBeUndefined();
    expect(withBids.decisions[0]!.gpu[0]!.servingBids).toBe(8);
    expect(totals.bidFilledGpuHours).toBeCloseTo(8, 6);
    expect(totals.bidRevenueUsd).toBeCloseTo(8 * 4, 6);
    expect(totals.inferenceRevenueUsd).toBeCloseTo(2 * DEFAULT_DEMAND_TERMS.guaranteedUsdPerGpuHour, 6);
    expect(step.state.openBids).toEqual([{ ...book[1], remainingGpuHours: 2 }]);
  });

  it('drops a bid from the book at its deadline, counting its unfilled work', () => {
    // Prepare: no GPUs given to bids; the bid's deadline is the step's end.
    const site = tinySite({ gpus: true });
    const problem = tinyProblem(site, [40]);
    const decision = solveSite(highs, problem).decisions[0]!;
    const totals = emptyTotals();
    // Act
    const step = simulateStep(
      site,
      problem.state,
      decision,
      truth(0, { arrivals: [openBid('late', 5, 3, 1)] }),
      DEFAULT_DEMAND_TERMS,
      DEFAULT_GRID_TERMS,
      totals,
    );
    // Assess
    expect(step.state.openBids).toEqual([]);
    expect(totals.bidExpiredGpuHours).toBe(3);
    expect(totals.bidRevenueUsd).toBe(0);
  });

  it('draws the same seeded bid stream every time, every bid above the floor with a window at least its job', () => {
    const site = tinySite({ gpus: true });
    const params = DEMAND_SCENARIOS.bids!.bids!;
    const first = bidStream(site, params, startMs, 15, 96, 0);
    const again = bidStream(site, params, startMs, 15, 96, 0);
    const all = first.flat();
    expect(again).toEqual(first);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((b) => b.limitUsdPerGpuHour >= 1.5 && b.deadlineMs > b.earliestStartMs)).toBe(true);
    expect(siteDemand(site, DEMAND_SCENARIOS.bids!, startMs, 15, 96, 0).bidArrivals).toEqual(first);
  });
});
