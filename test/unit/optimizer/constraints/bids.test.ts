import { clearBids } from '../../../../core/bids/clearing.js';
import { bidServingSpeed } from '../../../../core/optimizer/physics.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import type { BidBlock, SiteProblem } from '../../../../core/optimizer/types.js';
import { tinyProblem, tinySite } from '../tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/**
 * The tiny site (10 ASICs of 2 kW on a curve whose top segment is 30 TH/s per kW; 10 GPUs, idle 0.1 kW, serving
 * 0.5 kW) at a hashprice of $10/TH/s/day: a serving GPU's extra 0.4 kW hashes 12 TH/s on the top segment, worth
 * $5 an hour. Under a 21 kW cap (ASICs flat out plus idle GPUs) a GPU-hour sold to a bid displaces that hashing.
 */
function withBids(capKw: number, bids: BidBlock[], steps = 1): SiteProblem {
  const problem = tinyProblem(tinySite({ gpus: true, capKw }), new Array<number>(steps).fill(40));
  return { ...problem, horizon: { ...problem.horizon, hashpriceUsdPerThDay: new Array<number>(steps).fill(10) }, bids };
}
const LARGE = 'meta-llama/Llama-3.1-70B-Instruct';
const SMALL = 'meta-llama/Llama-3.1-8B-Instruct';
const bid = (
  bidId: string,
  limitUsdPerGpuHour: number,
  gpuHours: number,
  toHour = 1,
  modelClass = LARGE,
): BidBlock => ({
  bidId,
  modelClass,
  limitUsdPerGpuHour,
  gpuHours,
  fromHour: 0,
  toHour,
});

describe('bids family (issue 28)', () => {
  it('serves a bid only when it pays more than the hashing its GPUs’ power displaces', () => {
    // Act
    const capped = solveSite(highs, withBids(21, [bid('rich', 8, 4), bid('poor', 3, 4)]));
    const roomy = solveSite(highs, withBids(1000, [bid('rich', 8, 4), bid('poor', 3, 4)]));
    // Assess: under the cap $3 < $5 of hashing given up; with room the GPUs' power displaces nothing.
    expect(capped.decisions[0]!.bidGpuHours).toEqual({ rich: 4 });
    expect(capped.decisions[0]!.gpu[0]!.servingBids).toBe(4);
    expect(roomy.decisions[0]!.bidGpuHours).toEqual({ rich: 4, poor: 4 });
    expect(roomy.decisions[0]!.gpu[0]!.servingBids).toBe(8);
  });

  it('serves a bid open over several steps no more than its work', () => {
    // Act
    const plan = solveSite(highs, withBids(1000, [bid('long', 6, 3, 2)], 2));
    // Assess
    const served = plan.decisions.reduce((a, d) => a + (d.bidGpuHours?.long ?? 0), 0);
    expect(served).toBeCloseTo(3, 6);
  });

  it('adds nothing without bids: no bid GPUs in the decision', () => {
    const plan = solveSite(highs, withBids(1000, []));
    expect(plan.decisions[0]!.gpu[0]!.servingBids).toBeUndefined();
    expect(plan.decisions[0]!.bidGpuHours).toBeUndefined();
  });

  it('serves a bid only with GPUs of pools that can serve its model: throughput measured and the weights fitting', () => {
    // Prepare: the tiny site's 10 H100s serve the 70B model only; a second pool of 10 H100s serves the 8B model; no
    // pool has a figure for Mixtral; a pool of 16 GB GPUs with a 70B figure cannot hold its weights on one board
    const problem = withBids(1000, [
      bid('small', 8, 20, 1, SMALL),
      bid('large', 8, 20, 1, LARGE),
      bid('mixtral', 9, 20, 1, 'mistralai/Mixtral-8x7B-Instruct-v0.1'),
    ]);
    const tiny = problem.site.gpuPools[0]!;
    const small = { ...tiny, id: 'small-gpu', throughputTokensPerSecByModel: { [SMALL]: 6000 } };
    const site = { ...problem.site, gpuPools: [tiny, small] };
    const state = { ...problem.state, gpusPowered: { [tiny.id]: 10, [small.id]: 10 } };

    // Act
    const plan = solveSite(highs, { ...problem, site, state });

    // Assess: each model on its own pool's 10 GPU-hours; nothing for Mixtral, though its limit is the highest
    expect(plan.decisions[0]!.bidGpuHours).toEqual({ small: 10, large: 10 });
    expect(plan.decisions[0]!.gpu.map((g) => [g.poolId, g.servingBids])).toEqual([
      [tiny.id, 10],
      [small.id, 10],
    ]);
    expect(bidServingSpeed({ ...tiny, memoryGb: 16 }, LARGE)).toBeUndefined();
    expect(bidServingSpeed(small, SMALL)).toBe(1);
  });

  it('plans an all-or-nothing bid as divisible; the clearing of that plan skips it rather than split it', () => {
    // Prepare: an all-or-nothing bid of 15 GPU-h on a site whose GPUs do 10 in the step
    const plan = solveSite(highs, withBids(1000, [bid('whole', 8, 15)]));
    const planned = plan.decisions[0]!.bidGpuHours!.whole!;

    // Act
    const clearing = clearBids(
      [
        {
          id: 'whole',
          tenantId: 't',
          limitUsdPerGpuHour: 8,
          remainingGpuHours: 15,
          allOrNothing: true,
          placedAt: '2026-12-07T08:00:00Z',
          status: 'open',
        },
      ],
      planned,
    );

    // Assess: the LP relaxation gives it part of its work; the clearing sells none of it
    expect(planned).toBe(10);
    expect(clearing.fills).toEqual([]);
    expect(clearing.skipped).toEqual([{ bidId: 'whole', reason: 'all-or-nothing-does-not-fit' }]);
  });
});
