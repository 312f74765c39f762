import { bidBlocks, splitBidsOverSites } from '../../../core/bids/demand-curve.js';
import type { OpenBid } from '../../../core/optimizer/types.js';
import { tinySite } from '../optimizer/tiny-site.js';

const nowMs = Date.parse('2026-12-07T08:00:00Z');
const LARGE = 'meta-llama/Llama-3.1-70B-Instruct';
const SMALL = 'meta-llama/Llama-3.1-8B-Instruct';
const bid = (id: string, remainingGpuHours: number, allOrNothing = false, modelClass = LARGE): OpenBid => ({
  id,
  tenantId: 't1',
  modelClass,
  limitUsdPerGpuHour: 4,
  remainingGpuHours,
  allOrNothing,
  placedAt: new Date(nowMs).toISOString(),
  status: 'open',
  earliestStartMs: nowMs + 3_600_000,
  deadlineMs: nowMs + 5 * 3_600_000,
});

describe('bids as the site model’s demand curve', () => {
  it('splits each bid over the whole fleet by GPU capacity: the shares add up to the bid, a site without GPUs gets none', () => {
    // Prepare: two sites of 10 GPUs and one without.
    const fleet = [
      { ...tinySite({ gpus: true }), id: 'site-a-1' },
      { ...tinySite({ gpus: true }), id: 'site-b-1' },
      { ...tinySite(), id: 'site-c-1' },
    ];
    // Act
    const split = splitBidsOverSites([bid('x', 9)], fleet);
    // Assess
    expect(split['site-a-1']![0]!.remainingGpuHours).toBe(4.5);
    expect(split['site-b-1']![0]!.remainingGpuHours).toBe(4.5);
    expect(split['site-c-1']).toEqual([]);
  });

  it('places a bid’s window in the horizon and leaves out an all-or-nothing bid no interval of the site could fill', () => {
    expect(bidBlocks([bid('x', 9), bid('big', 50, true)], nowMs, () => 10)).toEqual([
      { bidId: 'x', modelClass: LARGE, limitUsdPerGpuHour: 4, gpuHours: 9, fromHour: 1, toHour: 5 },
    ]);
  });

  it('splits a bid only over the sites whose pools can serve its model', () => {
    // Prepare: the tiny site's H100s have a measured throughput for the 70B model only; site b's also serve the 8B
    const tiny = tinySite({ gpus: true });
    const serves8b = {
      ...tiny,
      id: 'site-b-1',
      gpuPools: tiny.gpuPools.map((p) => ({ ...p, throughputTokensPerSecByModel: { [SMALL]: 6000 } })),
    };
    const fleet = [{ ...tiny, id: 'site-a-1' }, serves8b];

    // Act
    const split = splitBidsOverSites([bid('small', 6, false, SMALL), bid('large', 6)], fleet);

    // Assess
    expect(split['site-a-1']!.map((b) => [b.id, b.remainingGpuHours])).toEqual([['large', 6]]);
    expect(split['site-b-1']!.map((b) => [b.id, b.remainingGpuHours])).toEqual([['small', 6]]);
  });
});
