import { randomUUID } from 'node:crypto';
import { siteTopic } from '../../../core/messages/topics.js';
import { statementCsv, usageStatement } from '../../../core/metering/statement.js';
import { planSchema } from '../../../core/model/plan.js';
import { siteJobTopic } from '../../../core/routing/site-messages.js';
import type { RoutableJob } from '../../../core/routing/types.js';
import { seededRng, uniformInt } from '../../../core/support/random.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { CloudStandIn } from './cloud-stand-in.js';
import { type GpuSites, smallSite, startGpuSites, until } from './gpu-sites.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SLOTS_PER_NODE = 4;
const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c'];

const SITES = [smallSite('site-west-1'), smallSite('site-south-1')];
const WEST = SITES[0]!;

function jobStream(nowMs: number): RoutableJob[] {
  const rng = seededRng(7);
  const jobs = Array.from({ length: 30 }, (_, i): RoutableJob => {
    const tier = i % 2 === 0 ? 'guaranteed' : 'flex';
    return {
      id: `job-${String(i).padStart(2, '0')}`,
      tenantId: TENANTS[i % 3]!,
      modelId: MODEL,
      inputTokens: uniformInt(rng, 100, 600),
      // At ~1,170 tok/s per sequence on an H100 node (TP 8) these run 1.3–3.9 s: long enough to be caught running.
      outputTokens: tier === 'guaranteed' ? uniformInt(rng, 3000, 4500) : uniformInt(rng, 1500, 4000),
      tier,
      deadlineMs: nowMs + 600_000,
      maxPriceUsd: 1,
      submittedAtMs: nowMs - 30 + i,
      attempt: 1,
    };
  });
  const edge = jobs[0]!;
  return [
    ...jobs,
    { ...edge, id: 'job-too-late', tenantId: 'tenant-a', outputTokens: 100_000, deadlineMs: nowMs + 5000 },
    { ...edge, id: 'job-too-cheap', tenantId: 'tenant-b', maxPriceUsd: 0.000001 },
  ];
}

function curtailWestPlan(nowMs: number) {
  const startsAt = new Date(nowMs - 60_000).toISOString();
  const plan = planSchema.parse({
    version: 2,
    createdAt: new Date(nowMs).toISOString(),
    horizonStart: startsAt,
    intervalMinutes: 60,
    sites: [
      {
        siteId: WEST.id,
        intervals: [
          {
            startsAt,
            asicGroups: [],
            gpuPools: [{ poolId: 'west-h100-a', gpusPowered: 0, gpusServing: 0 }],
            sitePowerKw: 0,
          },
        ],
        ladder: [],
      },
    ],
    solver: { mode: 'heuristic', status: 'test', objectiveUsd: 0, solveMs: 0 },
  });
  return {
    commandId: randomUUID(),
    siteId: WEST.id,
    seq: 1,
    epoch: 1,
    issuedAt: new Date(nowMs).toISOString(),
    validUntil: new Date(nowMs + 300_000).toISOString(),
    kind: 'apply-plan',
    payload: { plan },
  };
}

describe('GpuWorker against virtual GPU nodes over HTTP and MQTT', () => {
  let broker: RunningMqttBroker;
  let sites: GpuSites | undefined;
  const ports: MessagingPort[] = [];

  beforeAll(async () => {
    broker = await startMqttBroker();
  });

  afterAll(async () => {
    await sites?.stop();
    await Promise.all(ports.map((p) => p.close()));
    await broker.stop();
  });

  it('ends every job of three tenants across two sites completed or failed with a reason through a curtailment', async () => {
    // Prepare: the virtual nodes, each serving the model on all 8 GPUs, and one worker per site
    sites = await startGpuSites(broker.url, SITES, { modelId: MODEL, slotsPerNode: SLOTS_PER_NODE });
    const { live, workers } = sites;
    const cloudPort = await connectMqttPort({ url: broker.url, clientId: 'cloud' });
    ports.push(cloudPort);
    const cloud = new CloudStandIn(SITES, live, cloudPort, () => Date.now());
    await cloud.start();
    const jobs = jobStream(Date.now());
    const westWorker = workers[0]!;

    // Act: the stream arrives; once west is busy its plan drops its GPUs to zero; once its flex work has been sent
    // back, a demand-response deployment (a grid emergency) hits west
    await cloud.submit(jobs);
    await until('west running jobs', () => westWorker.view().running >= 2 * SLOTS_PER_NODE - 1);
    cloud.setGpusServing(WEST.id, 'west-h100-a', 0);
    await cloudPort.publish('cloud', siteTopic(WEST.id, 'commands'), JSON.stringify(curtailWestPlan(Date.now())), 1);
    const westFlex = () =>
      cloud.book.usage().filter((r) => r.siteId === WEST.id && r.tier === 'flex' && r.outcome === 'preempted');
    await until('west flex preempted', () => westFlex().length > 0 && westWorker.view().pending === 0);
    const guaranteedDrainingOnWest = westWorker.view().running;
    await cloudPort.publish(
      'local',
      siteTopic(WEST.id, 'grid'),
      JSON.stringify({
        at: new Date().toISOString(),
        node: 'HB_WEST',
        kind: 'demand-response',
        eventId: 'eea-1',
        action: 'deploy',
      }),
      1,
    );
    await until('every job ended', () =>
      cloud.book.all().every((e) => e.status === 'completed' || e.status === 'failed'),
    );
    const completed = cloud.book.all().find((e) => e.status === 'completed')!;
    const recordsBefore = cloud.book.usage().length;
    await cloudPort.publish(
      'cloud',
      siteJobTopic(completed.siteId!),
      JSON.stringify({
        jobId: completed.job.id,
        attempt: completed.job.attempt,
        tenantId: completed.job.tenantId,
        tier: completed.job.tier,
        modelId: completed.job.modelId,
        poolId: completed.poolId,
        inputTokens: completed.job.inputTokens,
        outputTokens: completed.job.outputTokens,
        deadline: new Date(completed.job.deadlineMs).toISOString(),
      }),
      1,
    );
    await until('the replayed completion', () => cloud.effects.some((e) => e.ok && e.effect === 'duplicate'));

    // Assess: none lost, each ended with a reason when it failed
    const entries = cloud.book.all();
    expect(entries).toHaveLength(jobs.length);
    for (const entry of entries) {
      expect(['completed', 'failed']).toContain(entry.status);
      if (entry.status === 'failed') expect(entry.reason).toMatch(/\w/);
    }
    expect(cloud.book.get('job-too-late')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^deadline-infeasible/),
    });
    expect(cloud.book.get('job-too-cheap')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^price-exceeds-max/),
    });
    const usage = cloud.book.usage();
    expect(usage).toHaveLength(recordsBefore);
    // none completed twice
    for (const entry of entries) {
      const completions = usage.filter((r) => r.workloadId === entry.job.id && r.outcome === 'completed');
      expect(completions).toHaveLength(entry.status === 'completed' ? 1 : 0);
    }
    expect(entries.filter((e) => e.status === 'completed')).toHaveLength(jobs.length - 2);
    // flex before guaranteed: the curtailment preempted only flex, the emergency then the guaranteed left on west
    const preempted = usage.filter((r) => r.outcome === 'preempted');
    const reportsOf = (reason: string) =>
      entries.flatMap((e) => Object.values(e.reports)).filter((r) => r.outcome === 'preempted' && r.reason === reason);
    expect(reportsOf('capacity').length).toBeGreaterThan(0);
    expect(guaranteedDrainingOnWest).toBeGreaterThan(0);
    const byCapacity = new Set(reportsOf('capacity').map((r) => r.jobId));
    for (const r of preempted.filter((p) => byCapacity.has(p.workloadId) && p.attempt === 1))
      expect(r.tier).toBe('flex');
    const emergency = reportsOf('grid-emergency');
    // A guaranteed job may finish between the count and the signal, never more than were draining
    expect(emergency.length).toBeGreaterThan(0);
    expect(emergency.length).toBeLessThanOrEqual(guaranteedDrainingOnWest);
    const tierOf = (jobId: string) => cloud.book.get(jobId)!.job.tier;
    expect(emergency.every((r) => tierOf(r.jobId) === 'guaranteed')).toBe(true);
    const lastFlexPreemption = Math.max(...reportsOf('capacity').map((r) => Date.parse(r.endedAt)));
    expect(Math.min(...emergency.map((r) => Date.parse(r.endedAt)))).toBeGreaterThanOrEqual(lastFlexPreemption);
    // requeued work went to the site still serving
    for (const e of entries.filter((x) => Object.keys(x.reports).length > 1 && x.status === 'completed'))
      expect(e.siteId).toBe('site-south-1');
    // metering: energy from node power, statements that add up to the per-job records
    expect(usage.filter((r) => r.outcome === 'completed').every((r) => r.energyKwh > 0 && r.gpuSeconds > 0)).toBe(true);
    const period = usage[0]!.completedAt.slice(0, 7);
    for (const tenant of TENANTS) {
      const statement = usageStatement(usage, tenant, period);
      const mine = usage.filter((r) => r.tenantId === tenant);
      const micro = (x: number) => Math.round(x * 1e6);
      expect(statement.lines).toHaveLength(mine.length);
      expect(micro(statement.totals.priceUsd)).toBe(mine.reduce((s, r) => s + micro(r.priceUsd), 0));
      expect(micro(statement.totals.energyKwh)).toBe(mine.reduce((s, r) => s + micro(r.energyKwh), 0));
      expect(statement.totals.outputTokens).toBe(mine.reduce((s, r) => s + r.outputTokens, 0));
      expect(statementCsv(statement).trimEnd().split('\r\n').at(-1)).toContain(String(statement.totals.priceUsd));
    }
  });
});
