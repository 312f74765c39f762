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
const bid = (bidId: string, limitUsdPerGpuHour: number, gpuHours: number, toHour = 1): BidBlock => ({
  bidId,
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
});
