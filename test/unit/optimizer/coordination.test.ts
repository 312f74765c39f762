import { afterRound, type CoordinationRound, capShareKw, firstRound } from '../../../core/optimizer/coordination.js';

describe('fleet-cap coordination rounds', () => {
  it('stops after a round whose fleet total is within the cap at every step', () => {
    // Act
    const outcome = afterRound(firstRound(2), [100, 100], [100, 60], 3);

    // Assess
    expect(outcome).toEqual({ done: true, reason: 'within-cap' });
  });

  it('prices energy only at the steps where the fleet exceeds its cap', () => {
    // Act
    const outcome = afterRound(firstRound(2), [100, 100], [140, 60], 3);

    // Assess: 50 $/MWh per MW of excess in the first step size.
    expect(outcome).toEqual({ done: false, next: { iteration: 1, couplingPriceUsdPerMwh: [2, 0] } });
  });

  it('shares the cap after the last price round, and stops after the share round', () => {
    // Prepare
    const lastPriceRound = { iteration: 3, couplingPriceUsdPerMwh: [5, 0] };

    // Act
    const share = afterRound(lastPriceRound, [100, 100], [140, 60], 3);

    // Assess
    expect(share).toEqual({
      done: false,
      next: { iteration: 4, couplingPriceUsdPerMwh: [5, 0], share: { capKw: [100, 100], totalKw: [140, 60] } },
    });
    expect(afterRound((share as { next: CoordinationRound }).next, [100, 100], [140, 60], 3)).toEqual({
      done: true,
      reason: 'shared',
    });
  });

  it("gives each site its draw's part of the cap where the fleet exceeded it, and leaves it unbounded elsewhere", () => {
    // Prepare
    const share = { capKw: [100, 100], totalKw: [140, 60] };

    // Act
    const sites = [capShareKw(share, [70, 30]), capShareKw(share, [70, 30])];

    // Assess
    expect(sites[0]![0]! + sites[1]![0]!).toBeCloseTo(100);
    expect(sites[0]![1]).toBe(Number.POSITIVE_INFINITY);
  });
});
