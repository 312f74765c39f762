import fc from 'fast-check';
import type { SiteJob } from '../../../../core/routing/site-messages.js';
import type { WorkerNode } from '../src/config.js';
import { PendingJobs, placeJobs } from '../src/scheduler.js';
import { siteJob, T0, workerNode } from './fixtures.js';

const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const servesPool = (node: WorkerNode, job: SiteJob) => node.poolId === job.poolId && node.modelId === job.modelId;
const idle = () => 0;

describe('GpuWorker scheduler', () => {
  it('starts guaranteed work first, then the earliest deadline, then by job id', () => {
    // Prepare: one node with two free slots, four waiting jobs
    const nodes = [workerNode('n1', { maxConcurrentJobs: 2 })];
    const waiting = [
      siteJob('flex-late', { deadline: at(60) }),
      siteJob('flex-b', { deadline: at(10) }),
      siteJob('guar', { tier: 'guaranteed', deadline: at(90) }),
      siteJob('flex-a', { deadline: at(10) }),
    ];

    // Act
    const placed = placeJobs(waiting, nodes, servesPool, idle);

    // Assess
    expect(placed.map((p) => p.job.jobId)).toEqual(['guar', 'flex-a']);
  });

  it('puts each job on the least busy node that serves it, counting the jobs placed before it', () => {
    // Prepare: n1 already runs one job, n2 none; a node of another model never takes these jobs
    const nodes = [workerNode('n1'), workerNode('n2'), workerNode('n3', { modelId: 'other-model' })];
    const running = new Map([['n1', 1]]);

    // Act
    const placed = placeJobs(
      ['a', 'b', 'c'].map((id) => siteJob(id)),
      nodes,
      servesPool,
      (nodeId) => running.get(nodeId) ?? 0,
    );

    // Assess: n2 (idle) first, then the tie at one job each goes to the lower id
    expect(placed.map((p) => [p.job.jobId, p.node.nodeId])).toEqual([
      ['a', 'n2'],
      ['b', 'n1'],
      ['c', 'n2'],
    ]);
  });

  it('leaves a job waiting when every node of its pool is full or not serving', () => {
    // Prepare
    const nodes = [workerNode('n1', { maxConcurrentJobs: 1 }), workerNode('n2')];
    const notN2 = (node: WorkerNode, job: SiteJob) => servesPool(node, job) && node.nodeId !== 'n2';

    // Act
    const placed = placeJobs([siteJob('a'), siteJob('b')], nodes, notN2, idle);

    // Assess
    expect(placed.map((p) => p.job.jobId)).toEqual(['a']);
  });

  it('never fills a node beyond its slots, and never starts flex work while guaranteed work it could start waits', () => {
    const job = fc.record({
      id: fc.integer({ min: 0, max: 999 }),
      tier: fc.constantFrom('flex' as const, 'guaranteed' as const),
      minutes: fc.integer({ min: 1, max: 120 }),
    });
    fc.assert(
      fc.property(
        fc.array(job, { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
        (jobs, busy) => {
          const nodes = busy.map((_, i) => workerNode(`n${i}`, { maxConcurrentJobs: 5 }));
          const waiting = jobs.map((j, i) => siteJob(`j${i}-${j.id}`, { tier: j.tier, deadline: at(j.minutes) }));
          const placed = placeJobs(waiting, nodes, servesPool, (nodeId) => busy[Number(nodeId.slice(1))]!);
          for (const node of nodes) {
            const load = busy[Number(node.nodeId.slice(1))]! + placed.filter((p) => p.node === node).length;
            expect(load).toBeLessThanOrEqual(node.maxConcurrentJobs);
          }
          const placedIds = new Set(placed.map((p) => p.job.jobId));
          const guaranteedLeft = waiting.some((j) => j.tier === 'guaranteed' && !placedIds.has(j.jobId));
          if (guaranteedLeft) expect(placed.every((p) => p.job.tier === 'guaranteed')).toBe(true);
        },
      ),
    );
  });
});

describe('pending jobs', () => {
  it('keeps waiting jobs in priority order and takes out only those placed', () => {
    // Prepare
    const pending = new PendingJobs();
    pending.add(siteJob('flex'));
    pending.add(siteJob('guar', { tier: 'guaranteed' }));
    pending.add(siteJob('late', { deadline: at(1) }));

    // Act
    const placed = pending.place([workerNode('n1', { maxConcurrentJobs: 1 })], servesPool, idle);
    const expired = pending.takeWhere((j) => Date.parse(j.deadline) < T0 + 120_000);

    // Assess
    expect(placed.map((p) => p.job.jobId)).toEqual(['guar']);
    expect(expired.map((j) => j.jobId)).toEqual(['late']);
    expect(pending.size).toBe(1);
    expect(pending.remove('flex')?.jobId).toBe('flex');
    expect(pending.remove('flex')).toBeUndefined();
  });
});
