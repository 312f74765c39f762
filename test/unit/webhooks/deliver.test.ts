import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { verifyWebhookSignature } from '../../../core/webhooks/signature.js';
import { deliverWorkloadEvent } from '../../../functions/routing/webhooks/deliver.js';
import {
  type DeliverBatchDeps,
  deliverBatch,
  queueUrlOf,
} from '../../../functions/routing/webhooks/deliver-handler.js';
import { eventOf, fakeWebhooks, newClock, SECRET, scriptedHttp, status, T0_MS, webhookOf } from './fakes.js';

describe('deliverWorkloadEvent', () => {
  it('POSTs the event as signed JSON with its id and type headers and a 5 s timeout; 2xx is delivered', async () => {
    // Prepare
    const clock = newClock();
    const { http, sent } = scriptedHttp([status(204)], clock);
    const event = eventOf();
    // Act
    const outcome = await deliverWorkloadEvent(event, { webhooks: fakeWebhooks([webhookOf()]), http, clock });
    // Assess
    expect(outcome).toEqual({ status: 'delivered', statusCode: 204, latencyMs: 40 });
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request!.url).toBe('https://hooks.acme.example/hcp');
    expect(request!.timeoutMs).toBe(5000);
    expect(JSON.parse(request!.body)).toEqual(event);
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      'HCP-Event-Id': event.id,
      'HCP-Event-Type': 'workload.preempted',
    });
    const verified = verifyWebhookSignature(SECRET, request!.headers['HCP-Signature'], request!.body, T0_MS / 1000);
    expect(verified).toEqual({ ok: true, timestampS: T0_MS / 1000 });
  });

  it('skips a tenant without a webhook, and an event type the webhook does not subscribe to', async () => {
    const clock = newClock();
    const { http, sent } = scriptedHttp([status(200)]);
    const webhooks = fakeWebhooks([webhookOf({ events: ['workload.completed', 'workload.failed'] })]);
    const none = await deliverWorkloadEvent(eventOf({ tenantId: 'globex' }), { webhooks, http, clock });
    const unsubscribed = await deliverWorkloadEvent(eventOf(), { webhooks, http, clock });
    expect(none).toEqual({ status: 'skipped', reason: 'no-webhook' });
    expect(unsubscribed).toEqual({ status: 'skipped', reason: 'not-subscribed' });
    expect(sent).toHaveLength(0);
  });

  it.each([
    [status(500), 'retry', 'receiver answered 500'],
    [status(503), 'retry', 'receiver answered 503'],
    [status(408), 'retry', 'receiver answered 408'],
    [status(429), 'retry', 'receiver answered 429'],
    [{ kind: 'timeout' as const }, 'retry', 'no answer in 5000 ms'],
    [{ kind: 'network-error' as const, message: 'ECONNREFUSED' }, 'retry', 'network: ECONNREFUSED'],
    [status(400), 'gave-up', 'receiver answered 400'],
    [status(404), 'gave-up', 'receiver answered 404'],
    [status(410), 'gave-up', 'receiver answered 410'],
    [status(301), 'gave-up', 'receiver answered 301'],
  ])('classifies %j as %s', async (answer, expected, reason) => {
    const clock = newClock();
    const { http } = scriptedHttp([answer]);
    const outcome = await deliverWorkloadEvent(eventOf(), { webhooks: fakeWebhooks([webhookOf()]), http, clock });
    expect(outcome).toMatchObject({ status: expected, reason });
  });
});

const recordOf = (body: string, messageId: string, sentMs = T0_MS, receiveCount = 1): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sentMs),
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: String(sentMs),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:webhook-events',
    awsRegion: 'us-east-2',
  }) as SQSRecord;

function batchDeps(answers: Parameters<typeof scriptedHttp>[0]) {
  const clock = newClock();
  const { http, sent } = scriptedHttp(answers);
  const logged: { level: string; message: string; detail: any }[] = [];
  const counted: string[] = [];
  const delayed: { messageId: string; delaySeconds: number }[] = [];
  const log = (level: string) => (message: string, detail?: unknown) => logged.push({ level, message, detail });
  const deps = {
    webhooks: fakeWebhooks([webhookOf()]),
    http,
    clock,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    count: (outcome: string) => counted.push(outcome),
    rng: { next: () => 0.5 },
    delay: async (record: SQSRecord, delaySeconds: number) => {
      delayed.push({ messageId: record.messageId, delaySeconds });
    },
  } as unknown as DeliverBatchDeps;
  return { deps, sent, logged, counted, delayed, clock };
}

describe('deliverBatch (the SQS delivery Lambda)', () => {
  it('reports only retryable and malformed records as batch item failures', async () => {
    // Prepare
    const { deps, logged, counted } = batchDeps([status(200)]);
    const failing = { ...deps, http: scriptedHttp([status(502)]).http };
    const event: SQSEvent = {
      Records: [
        recordOf(JSON.stringify(eventOf()), 'ok'),
        recordOf('{not json', 'not-json'),
        recordOf(JSON.stringify({ ...eventOf(), attempt: 0 }), 'bad-field'),
        recordOf(JSON.stringify(eventOf({ tenantId: 'globex' })), 'no-webhook'),
      ],
    };
    // Act
    const result = await deliverBatch(event, deps);
    const retried = await deliverBatch({ Records: [recordOf(JSON.stringify(eventOf()), 'retry')] }, failing);
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'not-json' }, { itemIdentifier: 'bad-field' }]);
    expect(retried.batchItemFailures).toEqual([{ itemIdentifier: 'retry' }]);
    const malformed = logged.filter((l) => l.level === 'error').map((l) => l.detail.field);
    expect(malformed).toEqual(['body', 'attempt']);
    expect(counted.sort()).toEqual(['delivered', 'malformed', 'malformed', 'retry', 'skipped']);
  });

  it('does not retry a delivery the receiver refused', async () => {
    const { deps, logged } = batchDeps([status(403)]);
    const result = await deliverBatch({ Records: [recordOf(JSON.stringify(eventOf()), 'm1')] }, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/refused/) }),
    );
  });

  it('hides a retried record for the retry schedule’s delay (attempt = receive count)', async () => {
    // Prepare
    const { deps, delayed } = batchDeps([status(503)]);
    const third = recordOf(JSON.stringify(eventOf()), 'm3', T0_MS - 60_000, 3);
    // Act
    const result = await deliverBatch({ Records: [third] }, deps);
    // Assess: the third attempt's ceiling is 40 s, the draw 0.5
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(delayed).toEqual([{ messageId: 'm3', delaySeconds: 20 }]);
  });

  it('still reports the failure when the delay cannot be set', async () => {
    const { deps, logged } = batchDeps([status(503)]);
    const broken = {
      ...deps,
      delay: async () => {
        throw new Error('AccessDenied');
      },
    };
    const result = await deliverBatch({ Records: [recordOf(JSON.stringify(eventOf()), 'm1')] }, broken);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(logged).toContainEqual(expect.objectContaining({ message: 'could not set the retry delay' }));
  });

  it('gives up after the schedule’s last attempt', async () => {
    const { deps, counted, delayed } = batchDeps([status(500)]);
    const last = recordOf(JSON.stringify(eventOf()), 'last', T0_MS - 60_000, 25);
    const result = await deliverBatch({ Records: [last] }, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(counted).toEqual(['gave-up']);
    expect(delayed).toEqual([]);
  });

  it('gives up instead of retrying a message first sent more than 24 h ago', async () => {
    const { deps, counted } = batchDeps([status(500)]);
    const old = recordOf(JSON.stringify(eventOf()), 'old', T0_MS - 24 * 3_600_000 - 1);
    const result = await deliverBatch({ Records: [old] }, deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(counted).toEqual(['gave-up']);
  });

  it('fails the record when the webhook config cannot be read', async () => {
    const { deps } = batchDeps([status(200)]);
    const broken = {
      ...deps,
      webhooks: {
        get: async () => {
          throw new Error('ProvisionedThroughputExceededException');
        },
      },
    };
    const result = await deliverBatch({ Records: [recordOf(JSON.stringify(eventOf()), 'm1')] }, broken);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });
});

describe('queueUrlOf', () => {
  it('builds the queue URL ChangeMessageVisibility needs from the record’s queue ARN', () => {
    expect(queueUrlOf(recordOf('{}', 'm1'))).toBe('https://sqs.us-east-2.amazonaws.com/123456789012/webhook-events');
  });
});
