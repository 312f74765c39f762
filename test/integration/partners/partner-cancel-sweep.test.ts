import { randomUUID } from 'node:crypto';
import { assignToPartner } from '../../../core/partners/attempt.js';
import { systemClock } from '../../../core/support/clock.js';
import { openAiCompatiblePartner } from '../../../functions/partners/adapters/openai-compatible-partner.js';
import { runPartnerAttempt } from '../../../functions/partners/run.js';
import {
  PARTNER_RUNNER_MAX_MS,
  PARTNER_SWEEP_GRACE_MS,
  sweepStrandedPartnerAttempts,
} from '../../../functions/partners/sweep.js';
import { DynamoJobStore } from '../../../functions/shared/data/job-store.js';
import { DynamoPartnerCatalogueStore } from '../../../functions/shared/data/partner-store.js';
import { DynamoWebhookStore } from '../../../functions/shared/data/webhook-store.js';
import { DynamoWorkloadStore } from '../../../functions/shared/data/workload-store.js';
import { startVirtualPartner, type VirtualPartner } from '../../../sim/partner/virtual-partner.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { type LocalPartnerOverflow, startLocalPartnerOverflow } from '../../../sim/platform/partner-overflow.js';
import { until } from '../../support/until.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { MODEL, offer } from './fixtures.js';

const PARTNER = 'partner-virtual';
const MINUTE_MS = 60_000;

/**
 * A partner attempt's two ends besides the partner's answer, on DynamoDB Local with the virtual partner over HTTP: the
 * customer's cancellation aborts the request in flight (nothing billed), and the sweep ends attempts nobody will
 * answer (the runner died, its invocation in the DLQ), once.
 */
describe('partner attempts cancelled and swept on the local platform', () => {
  let api: ApiHarness;
  let partner: VirtualPartner;
  let overflow: LocalPartnerOverflow | undefined;
  let key: string;
  const stores = () => {
    const deps = { client: api.documents, tableName: api.tableName };
    const workloads = new DynamoWorkloadStore(deps);
    return { workloads, jobs: new DynamoJobStore(deps, workloads), catalogue: new DynamoPartnerCatalogueStore(deps) };
  };
  const events = () =>
    createLocalWorkloadEvents({
      webhooks: new DynamoWebhookStore({ client: api.documents, tableName: api.tableName }),
    });

  /** A workload submitted through the API and queued at the partner as the router would (its quote's finish given). */
  async function queuedAtPartner(outputTokens: number, deadlineMs: number, estimatedFinishMs: number) {
    const res = await api.call('POST', '/v1/workloads', {
      key,
      body: {
        modelId: MODEL,
        inputTokens: 400,
        outputTokens,
        tier: 'flex',
        deadline: new Date(deadlineMs).toISOString(),
        maxPriceUsd: 10,
      },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect([res.status, res.body.error]).toEqual([201, undefined]);
    const { jobs } = stores();
    const stored = (await jobs.get('tenant-a', res.body.id))!;
    const quote = { partnerId: PARTNER, costUsd: 0.01, priceUsd: 0.0125, marginUsd: 0.0025, estimatedFinishMs };
    const assigned = assignToPartner(stored.state, stored.state.job.attempt, quote)!;
    expect(await jobs.commit(stored, assigned.state)).toBe('committed');
    return { id: res.body.id as string, message: assigned.message };
  }

  beforeAll(async () => {
    api = await startApiHarness({ tableName: 'hcp-partner-sweep-test' });
    partner = await startVirtualPartner({ partnerId: PARTNER, apiKey: 'pk-test', models: [offer(500)], speed: 20 });
    const put = await api.call('PUT', '/v1/partners', {
      key: api.demo.adminApiKey,
      body: { partners: [partner.catalogueEntry(0.25)] },
    });
    expect(put.status).toBe(200);
    key = (await api.api.seedDemoTenant('tenant-a')).apiKey;
  });

  afterAll(async () => {
    await overflow?.stop();
    await partner?.close();
    await api?.stop();
  });

  it('aborts the partner request when the customer cancels, and closes the attempt cancelled and unbilled', async () => {
    // Prepare: 200,000 tokens at 500/s take 20 s at speed 20; the runner looks for a cancellation every 50 ms
    overflow = startLocalPartnerOverflow({
      client: api.documents,
      tableName: api.tableName,
      clock: systemClock,
      events: events(),
      credentials: { apiKey: async () => 'pk-test' },
      cancelPollMs: 50,
      sweepEveryMs: 0,
    });
    const job = await queuedAtPartner(200_000, Date.now() + 30 * MINUTE_MS, Date.now() + MINUTE_MS);
    const startedMs = Date.now();
    await overflow.dispatch.dispatch(job.message);
    await until('the partner working on the job', () => partner.inFlight() > 0);

    // Act
    const cancelled = await api.call('POST', `/v1/workloads/${job.id}/cancel`, { key });
    await until('the attempt ended', () => overflow!.outcomes.length === 1);

    // Assess: aborted long before the partner's 20 s, the job closed, no usage, nothing on the statement
    expect(cancelled.status).toBe(200);
    expect(overflow.outcomes[0]!.outcome).toEqual({ kind: 'cancelled', transition: 'cancelled' });
    expect(Date.now() - startedMs).toBeLessThan(15_000);
    const stored = await stores().jobs.get('tenant-a', job.id);
    expect(stored?.state).toMatchObject({ status: 'failed', reason: 'cancelled by the customer' });
    const workload = (await api.call('GET', `/v1/workloads/${job.id}`, { key })).body;
    expect(workload.status).toBe('cancelled');
    const month = new Date().toISOString().slice(0, 7);
    const statement = (await api.call('GET', `/v1/usage/statement?period=${month}`, { key })).body;
    expect(statement.lines).toEqual([]);
    expect(partner.served.filter((s) => s.completionTokens === 200_000)).toEqual([]);
  });

  it('sweeps an attempt nobody answers once: back in line while time remains, refused past the deadline', async () => {
    // Prepare: an attempt whose runner died (its estimated finish 20 minutes ago, past the runner's 15) due in 30
    // minutes; one due in 2 minutes, swept once its deadline has passed; one still within its estimate
    const { jobs, catalogue } = stores();
    const nowMs = Date.now();
    const early = await queuedAtPartner(1000, nowMs + 30 * MINUTE_MS, nowMs - 20 * MINUTE_MS);
    const late = await queuedAtPartner(1000, nowMs + 2 * MINUTE_MS, nowMs + MINUTE_MS);
    const fresh = await queuedAtPartner(1000, nowMs + 30 * MINUTE_MS, nowMs + MINUTE_MS);
    const sweepAt = (atMs: number) => ({ jobs, catalogue, events: events(), clock: { nowMs: () => atMs } });
    const atLate = nowMs + 2 * MINUTE_MS + PARTNER_SWEEP_GRACE_MS;

    // Act: two sweeps at once, then one more, then the first runner's answer arriving late
    const [a, b] = await Promise.all([
      sweepStrandedPartnerAttempts(sweepAt(nowMs)),
      sweepStrandedPartnerAttempts(sweepAt(nowMs)),
    ]);
    const later = await sweepStrandedPartnerAttempts(sweepAt(atLate));
    const again = await sweepStrandedPartnerAttempts(sweepAt(atLate));
    const lateAnswer = await runPartnerAttempt(
      {
        jobs,
        workloads: stores().workloads,
        catalogue,
        credentials: { apiKey: async () => 'pk-test' },
        client: openAiCompatiblePartner({ clock: systemClock }),
        events: events(),
        clock: systemClock,
      },
      early.message,
    );

    // Assess: each stranded attempt swept exactly once; the one still within its estimate left alone
    expect([...a, ...b].map((s) => [s.jobId, s.effect])).toEqual([[early.id, 'requeued']]);
    expect(later.map((s) => [s.jobId, s.effect])).toEqual([[late.id, 'failed']]);
    expect(again).toEqual([]);
    expect(lateAnswer).toEqual({ kind: 'stale' });
    const requeued = (await jobs.get('tenant-a', early.id))!.state;
    expect(requeued).toMatchObject({ status: 'pending', job: { attempt: 2, avoidPartnerIds: [PARTNER] } });
    expect(requeued.reason).toMatch(/^partner-failed: partner-virtual: stranded: no result by /);
    expect((await jobs.get('tenant-a', late.id))!.state).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/stranded: no result by/),
    });
    expect((await jobs.get('tenant-a', fresh.id))!.state.status).toBe('queued');
    expect(PARTNER_RUNNER_MAX_MS).toBe(15 * MINUTE_MS);
  });

  it('sweeps on its own timer in the local platform, as the schedule does in AWS', async () => {
    // Prepare: the local overflow sweeping every 50 ms; an attempt whose estimated finish is 20 minutes past
    await overflow?.stop();
    overflow = startLocalPartnerOverflow({
      client: api.documents,
      tableName: api.tableName,
      clock: systemClock,
      events: events(),
      credentials: { apiKey: async () => 'pk-test' },
      sweepEveryMs: 50,
    });
    const stranded = await queuedAtPartner(1000, Date.now() + 30 * MINUTE_MS, Date.now() - 20 * MINUTE_MS);

    // Act
    const swept = await until('the timer’s sweep', () => overflow!.swept.find((s) => s.jobId === stranded.id));

    // Assess
    expect(swept).toMatchObject({ effect: 'requeued', transition: 'committed', partnerId: PARTNER });
    expect((await stores().jobs.get('tenant-a', stranded.id))!.state.status).toBe('pending');
  });
});
