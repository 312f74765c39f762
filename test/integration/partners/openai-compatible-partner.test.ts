import { systemClock } from '../../../core/support/clock.js';
import {
  openAiCompatiblePartner,
  partnerRequestKey,
} from '../../../functions/partners/adapters/openai-compatible-partner.js';
import { startVirtualPartner, type VirtualPartner } from '../../../sim/partner/virtual-partner.js';
import { until } from '../../support/until.js';
import { MODEL, offer } from './fixtures.js';

const OFFER = offer(1000);

describe('the generic OpenAI-compatible partner adapter against the virtual partner over HTTP', () => {
  let partner: VirtualPartner;
  const client = openAiCompatiblePartner({ clock: systemClock, firstPauseMs: 10 });
  let jobs = 0;
  // Each call a new job: the partner answers a repeated idempotency key (job and attempt) from its first run.
  const job = (outputTokens: number, deadlineMs = Date.now() + 60_000) => ({
    jobId: `wl-${++jobs}`,
    tenantId: 'tenant-a',
    attempt: 1,
    partnerId: 'partner-virtual',
    modelId: MODEL,
    inputTokens: 300,
    outputTokens,
    deadline: new Date(deadlineMs).toISOString(),
  });

  beforeAll(async () => {
    partner = await startVirtualPartner({ partnerId: 'partner-virtual', apiKey: 'k', models: [OFFER], speed: 50 });
  });
  afterAll(() => partner.close());

  it('lists its models with prices per token and per GPU-hour at /v1/models, behind its key', async () => {
    // Act
    const listed = await fetch(`${partner.url}/v1/models`, { headers: { authorization: 'Bearer k' } });
    const refused = await fetch(`${partner.url}/v1/models`);

    // Assess
    expect(refused.status).toBe(401);
    expect(((await listed.json()) as { data: unknown[] }).data[0]).toMatchObject({
      id: MODEL,
      pricing: { input_usd_per_million_tokens: 0.2, output_usd_per_million_tokens: 0.6, usd_per_gpu_hour: 2.5 },
    });
  });

  it('retries a 503 and a 429 and reports the usage the partner counted', async () => {
    // Prepare
    partner.failNext(1, 503);
    partner.failNext(1, 429);

    // Act
    const result = await client.complete(partner.catalogueEntry(0.2), job(500), 'k');

    // Assess: the prompt stands for 300 tokens (four characters each)
    expect(result).toEqual({ ok: true, inputTokens: 300, outputTokens: 500, calls: 3 });
  });

  it('stops at a refusal that retrying cannot mend, at a wrong key, and after its calls', async () => {
    // Prepare
    partner.failNext(1, 400);

    // Act
    const refused = await client.complete(partner.catalogueEntry(0.2), job(10), 'k');
    const wrongKey = await client.complete(partner.catalogueEntry(0.2), job(10), 'other');
    partner.failNext(3, 503);
    const down = await client.complete(partner.catalogueEntry(0.2), job(10), 'k');

    // Assess
    expect(refused).toMatchObject({ ok: false, calls: 1, detail: expect.stringContaining('HTTP 400') });
    expect(wrongKey).toMatchObject({ ok: false, calls: 1, detail: expect.stringContaining('HTTP 401') });
    expect(down).toMatchObject({ ok: false, calls: 3, detail: expect.stringContaining('HTTP 503') });
  });

  it('gives up at the deadline rather than wait for a late answer', async () => {
    // Act: 100,000 tokens at 1,000/s take 2 s at speed 50; the deadline is 0.3 s away
    const late = await client.complete(partner.catalogueEntry(0.2), job(100_000, Date.now() + 300), 'k');

    // Assess
    expect(late.ok).toBe(false);
  });

  it('serves /v1/completions too', async () => {
    // Act
    const res = await fetch(`${partner.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'tok tok ', max_tokens: 7 }),
    });

    // Assess
    expect(((await res.json()) as { usage: unknown }).usage).toEqual({
      prompt_tokens: 2,
      completion_tokens: 7,
      total_tokens: 9,
    });
  });

  it('sends one idempotency key per attempt, so a retry after a time-out is answered from the run under way', async () => {
    // Prepare: 20,000 tokens at 1,000/s take 0.4 s at speed 50; each call times out after 0.15 s
    const impatient = openAiCompatiblePartner({
      clock: systemClock,
      firstPauseMs: 200,
      callTimeoutMs: 150,
      maxCalls: 6,
    });
    const servedBefore = partner.served.length;
    const retried = { ...job(20_000), jobId: 'wl-retried' };

    // Act
    const result = await impatient.complete(partner.catalogueEntry(0.2), retried, 'k');

    // Assess: the first call timed out; a later one joined the one run; the partner ran and billed the job once
    expect(result).toMatchObject({ ok: true, inputTokens: 300, outputTokens: 20_000 });
    expect(result.calls).toBeGreaterThanOrEqual(2);
    expect(partner.served.length - servedBefore).toBe(1);
    expect(partner.replayed).toContain(partnerRequestKey(retried));
  });

  it('runs a new attempt of the same job afresh: the key names the attempt', async () => {
    // Prepare
    const servedBefore = partner.served.length;
    const first = { ...job(10), jobId: 'wl-twice' };

    // Act
    await client.complete(partner.catalogueEntry(0.2), first, 'k');
    await client.complete(partner.catalogueEntry(0.2), { ...first, attempt: 2 }, 'k');

    // Assess
    expect(partner.served.length - servedBefore).toBe(2);
  });

  it('aborts the call in flight when its job is cancelled, and reports it cancelled, not completed', async () => {
    // Prepare: 100,000 tokens at 1,000/s take 2 s at speed 50
    const cancel = new AbortController();
    const call = client.complete(
      partner.catalogueEntry(0.2),
      { ...job(100_000), jobId: 'wl-cancel' },
      'k',
      cancel.signal,
    );

    // Act
    await until('the partner running the job', () => partner.inFlight() > 0);
    cancel.abort(new Error('job wl-cancel cancelled by the customer'));
    const result = await call;

    // Assess
    expect(result).toEqual({
      ok: false,
      cancelled: true,
      calls: 1,
      detail: 'cancelled: job wl-cancel cancelled by the customer',
    });
  });
});
