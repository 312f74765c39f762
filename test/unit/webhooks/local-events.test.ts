import { seededRng } from '../../../core/support/random.js';
import type { WebhookRetryPolicy } from '../../../core/webhooks/retry.js';
import type { HttpPort } from '../../../functions/routing/webhooks/deliver.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { until } from '../../support/until.js';
import { eventOf, fakeWebhooks, scriptedHttp, status, webhookOf } from './fakes.js';

const FAST: WebhookRetryPolicy = { baseDelayMs: 5, backoffRate: 2, maxDelayMs: 20, maxRetries: 3, maxAgeMs: 60_000 };

describe('local workload events', () => {
  it('returns from notify before the receiver answers, then delivers in the background', async () => {
    // Prepare
    let answer: (() => void) | undefined;
    const http: HttpPort = {
      post: () =>
        new Promise((resolve) => {
          answer = () => resolve({ kind: 'response', statusCode: 200 });
        }),
    };
    const events = createLocalWorkloadEvents({ webhooks: fakeWebhooks([webhookOf()]), http, retry: FAST });
    // Act
    await events.notify(eventOf());
    const before = events.deliveries()[0]!.status;
    const respond = await until('the delivery to reach the receiver', () => answer);
    respond();
    await events.settled();
    // Assess
    expect(before).toBe('pending');
    expect(events.deliveries()[0]).toMatchObject({ eventId: eventOf().id, status: 'delivered', attempts: 1 });
  });

  it('retries 5xx on the schedule with the same event id until delivered', async () => {
    const { http, sent } = scriptedHttp([status(500), status(503), status(200)]);
    const events = createLocalWorkloadEvents({ webhooks: fakeWebhooks([webhookOf()]), http, retry: FAST });
    await events.notify(eventOf());
    await events.settled();
    expect(sent.map((s) => s.headers['HCP-Event-Id'])).toEqual(Array(3).fill(eventOf().id));
    expect(events.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
  });

  it('gives up after the policy’s attempts, and at once on a refusal', async () => {
    const failing = createLocalWorkloadEvents({
      webhooks: fakeWebhooks([webhookOf()]),
      http: scriptedHttp([status(500)]).http,
      retry: FAST,
      rng: seededRng(7),
    });
    const refusing = createLocalWorkloadEvents({
      webhooks: fakeWebhooks([webhookOf()]),
      http: scriptedHttp([status(410)]).http,
    });
    await Promise.all([failing.notify(eventOf()), refusing.notify(eventOf())]);
    await Promise.all([failing.settled(), refusing.settled()]);
    expect(failing.deliveries()[0]).toMatchObject({
      status: 'gave-up',
      attempts: 4,
      reason: expect.stringMatching(/max-attempts/),
    });
    expect(refusing.deliveries()[0]).toMatchObject({ status: 'gave-up', attempts: 1, lastStatusCode: 410 });
  });

  it('logs skipped deliveries and keeps only the newest entries', async () => {
    const { http } = scriptedHttp([status(200)]);
    const events = createLocalWorkloadEvents({ webhooks: fakeWebhooks([]), http, logSize: 3 });
    for (let i = 1; i <= 5; i += 1)
      await events.notify(eventOf({ id: `w${i}:1:workload.queued`, workloadId: `w${i}` }));
    await events.settled();
    const log = events.deliveries();
    expect(log.map((d) => d.workloadId)).toEqual(['w5', 'w4', 'w3']);
    expect(log.every((d) => d.status === 'skipped' && d.reason === 'no-webhook')).toBe(true);
  });

  it('stops pending retries on close and sends nothing after it', async () => {
    const { http, sent } = scriptedHttp([status(500)]);
    const slow: WebhookRetryPolicy = { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const events = createLocalWorkloadEvents({
      webhooks: fakeWebhooks([webhookOf()]),
      http,
      retry: slow,
      rng: { next: () => 0.5 },
    });
    await events.notify(eventOf());
    await until('the first attempt to fail', () => events.deliveries()[0]!.status === 'retrying');
    events.close();
    await events.settled();
    await events.notify(eventOf({ id: 'w2:1:workload.queued' }));
    await events.settled();
    expect(sent).toHaveLength(1);
    expect(events.deliveries().map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('retries when the webhook config cannot be read', async () => {
    const { http, sent } = scriptedHttp([status(200)]);
    let calls = 0;
    const flaky = {
      get: async (tenantId: string) => {
        calls += 1;
        if (calls === 1) throw new Error('table unavailable');
        return fakeWebhooks([webhookOf()]).get(tenantId);
      },
    };
    const events = createLocalWorkloadEvents({ webhooks: flaky, http, retry: FAST });
    await events.notify(eventOf());
    await events.settled();
    expect(sent).toHaveLength(1);
    expect(events.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});
