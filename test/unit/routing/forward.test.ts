import type { SiteJob } from '../../../core/routing/site-messages.js';
import { type ForwardDeps, forwardSiteJobs, type QueuedSiteJob } from '../../../functions/routing/forward.js';
import type { SiteJobPublisher } from '../../../functions/routing/ports.js';

const WEST_QUEUE = 'arn:aws:sqs:us-east-2:123456789012:west-jobs';
const SOUTH_QUEUE = 'arn:aws:sqs:us-east-2:123456789012:south-jobs';

const job = (jobId: string): SiteJob => ({
  jobId,
  attempt: 1,
  tenantId: 'tenant-a',
  tier: 'guaranteed',
  modelId: 'meta-llama/Llama-3.1-8B-Instruct',
  poolId: 'west-h100-a',
  inputTokens: 500,
  outputTokens: 100,
  deadline: '2026-03-02T13:00:00.000Z',
});

function record(
  messageId: string,
  body: unknown,
  options: { siteId?: string; queue?: string; receiveCount?: number } = {},
): QueuedSiteJob {
  return {
    messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    eventSourceARN: options.queue ?? WEST_QUEUE,
    messageAttributes: options.siteId ? { siteId: { stringValue: options.siteId } } : {},
    attributes: { ApproximateReceiveCount: String(options.receiveCount ?? 1) },
  };
}

/** An in-memory publisher: what reached each site, in order; a job id in `failFor` throws like a refused publish. */
function memoryPublisher(failFor: readonly string[] = []) {
  const published: Array<{ siteId: string; job: SiteJob }> = [];
  const publisher: SiteJobPublisher = {
    publish: async (siteId, sent) => {
      if (failFor.includes(sent.jobId)) throw new Error('ServiceUnavailableException');
      published.push({ siteId, job: sent });
    },
  };
  return { publisher, published };
}

function deps(publisher: SiteJobPublisher, overrides: Partial<ForwardDeps> = {}) {
  const logged: Array<{ message: string; attributes: Record<string, unknown> }> = [];
  const value: ForwardDeps = {
    publisher,
    log: { error: (message, attributes) => logged.push({ message, attributes }) },
    ...overrides,
  };
  return { deps: value, logged };
}

describe('forwarding site jobs from the site queues to the jobs topics', () => {
  it('publishes every job of a good batch to the site its attribute names and reports no failure', async () => {
    // Prepare
    const { publisher, published } = memoryPublisher();
    const { deps: d, logged } = deps(publisher);
    const batch = [
      record('m1', job('j1'), { siteId: 'site-west-1' }),
      record('m2', job('j2'), { siteId: 'site-south-1', queue: SOUTH_QUEUE }),
    ];

    // Act
    const result = await forwardSiteJobs(batch, d);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(result.forwarded).toBe(2);
    expect(published).toEqual(
      expect.arrayContaining([
        { siteId: 'site-west-1', job: job('j1') },
        { siteId: 'site-south-1', job: job('j2') },
      ]),
    );
    expect(logged).toEqual([]);
  });

  it('reports a malformed record as a batch item failure, logs the field, and still forwards the rest', async () => {
    // Prepare
    const { publisher, published } = memoryPublisher();
    const { deps: d, logged } = deps(publisher);
    const { attempt: _dropped, ...withoutAttempt } = job('j2');
    const batch = [
      record('m1', job('j1'), { siteId: 'site-west-1' }),
      record('m2', withoutAttempt, { siteId: 'site-west-1', receiveCount: 3 }),
      record('m3', job('j3'), { siteId: 'site-west-1' }),
    ];

    // Act
    const result = await forwardSiteJobs(batch, d);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(result.forwarded).toBe(2);
    expect(result.rejected['malformed-body']).toBe(1);
    expect(published.map((p) => p.job.jobId).sort()).toEqual(['j1', 'j3']);
    expect(logged).toEqual([
      {
        message: 'site job not forwarded: malformed-body',
        attributes: expect.objectContaining({
          messageId: 'm2',
          receiveCount: 3,
          siteId: 'site-west-1',
          issues: [expect.objectContaining({ field: 'attempt' })],
        }),
      },
    ]);
  });

  it('fails a body that is not JSON, or carries a field the contract does not know', async () => {
    // Prepare
    const { publisher, published } = memoryPublisher();
    const { deps: d, logged } = deps(publisher);
    const batch = [
      record('m1', '{"jobId": "j1",', { siteId: 'site-west-1' }),
      record('m2', { ...job('j2'), priority: 9 }, { siteId: 'site-west-1' }),
    ];

    // Act
    const result = await forwardSiteJobs(batch, d);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(published).toEqual([]);
    expect(logged.map((l) => (l.attributes.issues as Array<{ field: string }>)[0]!.field)).toEqual([
      '(root)',
      'priority',
    ]);
  });

  it('fails only the record whose publish the broker refused', async () => {
    // Prepare
    const { publisher, published } = memoryPublisher(['j2']);
    const { deps: d, logged } = deps(publisher);
    const batch = ['j1', 'j2', 'j3'].map((id, i) => record(`m${i + 1}`, job(id), { siteId: 'site-west-1' }));

    // Act
    const result = await forwardSiteJobs(batch, d);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(result.rejected['publish-failed']).toBe(1);
    expect(published.map((p) => p.job.jobId).sort()).toEqual(['j1', 'j3']);
    expect(logged[0]!.attributes).toMatchObject({
      jobId: 'j2',
      attempt: 1,
      siteId: 'site-west-1',
      error: expect.stringContaining('ServiceUnavailableException'),
    });
  });

  it('takes the site from the attribute alone: one queue serves every site, a new one included', async () => {
    // Prepare: the same queue carries jobs of a deployed site and of one registered after the deployment.
    const { publisher, published } = memoryPublisher();
    const { deps: d } = deps(publisher);

    // Act
    const result = await forwardSiteJobs(
      [record('m1', job('j1'), { siteId: 'site-west-1' }), record('m2', job('j2'), { siteId: 'site-east-9' })],
      d,
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(published).toEqual([
      { siteId: 'site-west-1', job: job('j1') },
      { siteId: 'site-east-9', job: job('j2') },
    ]);
  });

  it.each([
    ['no siteId attribute', {}],
    ['an attribute that is not a site id', { siteId: 'Site West/1' }],
  ])('fails a record with %s', async (_case, options) => {
    // Prepare
    const { publisher, published } = memoryPublisher();
    const { deps: d } = deps(publisher);

    // Act
    const result = await forwardSiteJobs([record('m1', job('j1'), options)], d);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(result.rejected['unknown-site']).toBe(1);
    expect(published).toEqual([]);
  });
});
