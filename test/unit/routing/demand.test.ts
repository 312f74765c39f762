import { tokenWork } from '../../../core/gpu/models.js';
import { gpuSpeed } from '../../../core/optimizer/physics.js';
import { workDemandBySite } from '../../../core/routing/demand.js';
import { job, LLAMA_8B, NOW, site } from './fixtures.js';

const SITES = [site('site-west-1'), site('site-south-1')];

describe('open jobs as the optimizer demand', () => {
  it('counts a queued job at its site and shares a waiting one among the sites serving its model by GPUs', () => {
    // Prepare
    const queued = { job: job('q', { tier: 'guaranteed', outputTokens: 6000 }), siteId: 'site-west-1' };
    const waiting = { job: job('w', { tier: 'guaranteed', outputTokens: 6000 }) };

    // Act
    const demand = workDemandBySite([queued, waiting], SITES, NOW);

    // Assess: the job's token work at each pool's speed, in H100-hours; the waiting one split by GPU count
    const [westPool, southPool] = [SITES[0]!.gpuPools[0]!, SITES[1]!.gpuPools[0]!];
    const hours = (pool: typeof westPool) =>
      (tokenWork(queued.job) / pool.throughputTokensPerSecByModel[LLAMA_8B]! / 3600) * gpuSpeed(pool);
    const westShare = westPool.count / (westPool.count + southPool.count);
    expect(demand['site-west-1']!.guaranteedGpuHours).toBeCloseTo(hours(westPool) * (1 + westShare), 12);
    expect(demand['site-south-1']!.guaranteedGpuHours).toBeCloseTo(hours(southPool) * (1 - westShare), 12);
    expect(demand['site-west-1']!.flexBacklog).toEqual([]);
  });

  it('puts flex work in cohorts by the hour it falls due, and nothing for a model no site serves', () => {
    // Act
    const demand = workDemandBySite(
      [
        { job: job('a', { deadlineMs: NOW + 90 * 60_000 }), siteId: 'site-west-1' },
        { job: job('b', { deadlineMs: NOW + 100 * 60_000 }), siteId: 'site-west-1' },
        { job: job('c', { deadlineMs: NOW + 10 * 60_000 }), siteId: 'site-west-1' },
        { job: job('d', { modelId: 'nobody/serves-this' }) },
      ],
      SITES,
      NOW,
    );

    // Assess
    const cohorts = demand['site-west-1']!.flexBacklog;
    expect(cohorts.map((c) => c.dueInHours)).toEqual([1, 2]);
    expect(cohorts[1]!.gpuHours).toBeCloseTo(2 * cohorts[0]!.gpuHours, 9);
    expect(demand['site-south-1']).toEqual({ guaranteedGpuHours: 0, flexBacklog: [] });
  });
});
