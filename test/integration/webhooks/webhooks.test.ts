import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import type { WebhookRetryPolicy } from '../../../core/webhooks/retry.js';
import { verifyWebhookSignature } from '../../../core/webhooks/signature.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';

/**
 * Webhooks end to end on the local stand-ins: the real API over HTTP and DynamoDB Local configures them, the local
 * platform's background delivery sends workload events to a node:http receiver that checks signatures as a customer
 * would (docs/API.md).
 */
interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const FAST_RETRY: WebhookRetryPolicy = {
  baseDelayMs: 10,
  backoffRate: 2,
  maxDelayMs: 50,
  maxRetries: 5,
  maxAgeMs: 60_000,
};
const nowS = () => Math.floor(Date.now() / 1000);

let h: ApiHarness;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
/** Status codes the receiver answers in turn; 200 once they run out. */
let answers: number[] = [];
let customerAdmin: string;
let globexAdmin: string;

beforeAll(async () => {
  // The local platform's setting: receivers on localhost are accepted (never in AWS).
  process.env.WEBHOOK_ALLOW_LOCAL_URLS = 'true';
  h = await startApiHarness({ tableName: 'hcp-webhooks-test' });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/hcp`;
  customerAdmin = await h.api.issueApiKey('demo', 'customer-admin');
  await h.call('POST', '/v1/tenants', { key: h.demo.adminApiKey, body: { tenantId: 'globex', name: 'Globex' } });
  globexAdmin = await h.api.issueApiKey('globex', 'customer-admin');
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await h?.stop();
  delete process.env.WEBHOOK_ALLOW_LOCAL_URLS;
});

beforeEach(() => {
  received = [];
  answers = [];
});

const eventOf = (workloadId: string, change: Partial<WorkloadEvent> = {}): WorkloadEvent => ({
  id: `${workloadId}:1:workload.preempted`,
  type: 'workload.preempted',
  tenantId: 'demo',
  workloadId,
  attempt: 1,
  occurredAt: new Date().toISOString(),
  siteId: 'site-a',
  reason: 'capacity',
  ...change,
});

const verify = (secret: string, delivery: Received) =>
  verifyWebhookSignature(secret, delivery.headers['hcp-signature'] as string, delivery.body, nowS());

/** Sets the demo tenant's webhook afresh and returns its secret. */
async function freshWebhook(events?: string[]): Promise<string> {
  await h.call('DELETE', '/v1/webhook', { key: customerAdmin });
  const created = await h.call('PUT', '/v1/webhook', {
    key: customerAdmin,
    body: { url: receiverUrl, ...(events ? { events } : {}) },
  });
  expect(created.status).toBe(201);
  return created.body.secret;
}

describe('webhook configuration through the API', () => {
  it('shows the secret once at creation, never in GET nor on replacement', async () => {
    // Prepare
    await h.call('DELETE', '/v1/webhook', { key: customerAdmin });
    // Act
    const created = await h.call('PUT', '/v1/webhook', { key: customerAdmin, body: { url: receiverUrl } });
    const read = await h.call('GET', '/v1/webhook', { key: customerAdmin });
    const replaced = await h.call('PUT', '/v1/webhook', {
      key: customerAdmin,
      body: { url: receiverUrl, events: ['workload.completed', 'workload.failed'] },
    });
    const reread = await h.call('GET', '/v1/webhook', { key: customerAdmin });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: 'demo', url: receiverUrl, events: expect.any(Array) });
    expect(created.body.events).toHaveLength(4);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(read.status).toBe(200);
    for (const response of [read, replaced, reread]) {
      expect(response.body).not.toHaveProperty('secret');
      expect(JSON.stringify(response.body)).not.toContain(created.body.secret);
    }
    expect(replaced.status).toBe(200);
    expect(reread.body).toMatchObject({
      events: ['workload.completed', 'workload.failed'],
      createdAt: created.body.createdAt,
    });
  });

  it('refuses customers who are not admins (403), and hides one tenant’s webhook from another (404)', async () => {
    // Prepare
    await freshWebhook();
    // Act
    const asCustomer = await Promise.all([
      h.call('GET', '/v1/webhook', { key: h.demo.apiKey }),
      h.call('PUT', '/v1/webhook', { key: h.demo.apiKey, body: { url: receiverUrl } }),
      h.call('POST', '/v1/webhook/rotate-secret', { key: h.demo.apiKey }),
      h.call('DELETE', '/v1/webhook', { key: h.demo.apiKey }),
    ]);
    const globexOwn = await h.call('GET', '/v1/webhook', { key: globexAdmin });
    const globexForeign = await h.call('GET', '/v1/webhook?tenantId=demo', { key: globexAdmin });
    const globexRotate = await h.call('POST', '/v1/webhook/rotate-secret?tenantId=demo', { key: globexAdmin });
    const platformAdmin = await h.call('GET', '/v1/webhook?tenantId=demo', { key: h.demo.adminApiKey });
    // Assess
    expect(asCustomer.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    expect([globexOwn.status, globexForeign.status, globexRotate.status]).toEqual([404, 404, 404]);
    expect(JSON.stringify(globexForeign.body)).not.toContain(receiverUrl);
    expect(platformAdmin.status).toBe(200);
    expect(platformAdmin.body).toMatchObject({ tenantId: 'demo', url: receiverUrl });
  });

  it.each([
    [{ url: 'http://hooks.example.com/x' }, 'url'],
    [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url'],
    [{ url: 'https://user:pw@hooks.example.com/x' }, 'url'],
    [{ url: 'https://hooks.example.com/x', events: ['workload.done'] }, 'events[0]'],
    [{ url: 'https://hooks.example.com/x', events: [] }, 'events'],
    [{ url: 'https://hooks.example.com/x', secret: 'chosen' }, 'secret'],
    [{}, 'url'],
  ])('answers 400 to %j naming %s', async (body, field) => {
    const response = await h.call('PUT', '/v1/webhook', { key: customerAdmin, body });
    expect(response.status).toBe(400);
    expect(response.body.error.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  it('answers 400 naming body to malformed JSON, and 404 to GET, rotate and test without a webhook', async () => {
    const malformed = await h.call('PUT', '/v1/webhook', {
      key: customerAdmin,
      rawBody: '{"url":',
      headers: { 'content-type': 'application/json' },
    });
    await h.call('DELETE', '/v1/webhook', { key: customerAdmin });
    const missing = await Promise.all([
      h.call('GET', '/v1/webhook', { key: customerAdmin }),
      h.call('DELETE', '/v1/webhook', { key: customerAdmin }),
      h.call('POST', '/v1/webhook/rotate-secret', { key: customerAdmin }),
      h.call('POST', '/v1/webhook/test', { key: customerAdmin }),
    ]);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.issues[0].field).toBe('body');
    expect(missing.map((r) => r.status)).toEqual([404, 404, 404, 404]);
  });

  it('audits creation, rotation and deletion in the tenant’s chain', async () => {
    await freshWebhook();
    await h.call('POST', '/v1/webhook/rotate-secret', { key: customerAdmin });
    await h.call('DELETE', '/v1/webhook', { key: customerAdmin });
    const page = await h.call('GET', '/v1/audit?chain=demo&limit=100', { key: h.demo.adminApiKey });
    const actions = page.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook.create', 'webhook.rotate-secret', 'webhook.delete']));
    expect(JSON.stringify(page.body)).not.toMatch(/whsec_/);
  });
});

describe('webhook delivery', () => {
  it('delivers a workload event the receiver verifies with the secret', async () => {
    // Prepare
    const secret = await freshWebhook();
    const events = createLocalWorkloadEvents({ webhooks: h.api.runtime.webhooks, retry: FAST_RETRY });
    const event = eventOf('w-sig');
    // Act
    await events.notify(event);
    await events.settled();
    // Assess
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(verify(secret, delivery!)).toMatchObject({ ok: true });
    expect(JSON.parse(delivery!.body.toString('utf8'))).toEqual(event);
    expect(delivery!.headers).toMatchObject({
      'content-type': 'application/json',
      'hcp-event-id': event.id,
      'hcp-event-type': 'workload.preempted',
    });
    expect(events.deliveries()[0]).toMatchObject({ eventId: event.id, status: 'delivered', attempts: 1 });
    events.close();
  });

  it('sends an event three times with the same HCP-Event-Id to a receiver answering 500 twice then 200', async () => {
    const secret = await freshWebhook();
    answers = [500, 500, 200];
    const events = createLocalWorkloadEvents({ webhooks: h.api.runtime.webhooks, retry: FAST_RETRY });
    await events.notify(eventOf('w-retry'));
    await events.settled();
    expect(received.map((r) => r.headers['hcp-event-id'])).toEqual(Array(3).fill('w-retry:1:workload.preempted'));
    expect(received.every((r) => verify(secret, r).ok)).toBe(true);
    expect(events.deliveries()[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200 });
    events.close();
  });

  it('sends nothing for an event type the tenant did not subscribe to', async () => {
    await freshWebhook(['workload.completed']);
    const events = createLocalWorkloadEvents({ webhooks: h.api.runtime.webhooks, retry: FAST_RETRY });
    await events.notify(eventOf('w-unsubscribed'));
    await events.settled();
    expect(received).toHaveLength(0);
    expect(events.deliveries()[0]).toMatchObject({ status: 'skipped', reason: 'not-subscribed' });
    events.close();
  });

  it('signs with the new secret after rotation: the old one fails verification', async () => {
    // Prepare
    const oldSecret = await freshWebhook();
    const events = createLocalWorkloadEvents({ webhooks: h.api.runtime.webhooks, retry: FAST_RETRY });
    // Act
    const rotated = await h.call('POST', '/v1/webhook/rotate-secret', { key: customerAdmin });
    const read = await h.call('GET', '/v1/webhook', { key: customerAdmin });
    await events.notify(eventOf('w-rotated'));
    await events.settled();
    // Assess
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body.rotatedAt).toBeDefined();
    expect(verify(oldSecret, received[0]!)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verify(rotated.body.secret, received[0]!)).toMatchObject({ ok: true });
    events.close();
  });

  it('sends a signed webhook.test ping on request and reports the receiver’s answer', async () => {
    const secret = await freshWebhook();
    answers = [200, 503];
    const ok = await h.call('POST', '/v1/webhook/test', { key: customerAdmin });
    const failing = await h.call('POST', '/v1/webhook/test', { key: customerAdmin });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ outcome: 'delivered', statusCode: 200, eventId: expect.stringMatching(/^test-/) });
    expect(failing.body).toMatchObject({ outcome: 'failed', statusCode: 503, message: 'receiver answered 503' });
    expect(received[0]!.headers['hcp-event-type']).toBe('webhook.test');
    expect(verify(secret, received[0]!)).toMatchObject({ ok: true });
    expect(JSON.parse(received[0]!.body.toString('utf8'))).toMatchObject({ type: 'webhook.test', tenantId: 'demo' });
  });

  it('answers a test ping that got no HTTP answer with one generic message, never the network error', async () => {
    // Prepare: a port nothing listens on (before #23: "network: ECONNREFUSED", a port-scan oracle).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await h.call('PUT', '/v1/webhook', { key: customerAdmin, body: { url: `http://127.0.0.1:${port}/hooks` } });

    // Act
    const tested = await h.call('POST', '/v1/webhook/test', { key: customerAdmin });

    // Assess
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ outcome: 'failed', message: 'no HTTP answer from the receiver' });
    expect(tested.body).not.toHaveProperty('statusCode');
    expect(JSON.stringify(tested.body)).not.toMatch(/ECONN|ENOTFOUND|EADDR|network/i);
  });

  it('stops delivering once the webhook is deleted', async () => {
    await freshWebhook();
    const deleted = await h.call('DELETE', '/v1/webhook', { key: customerAdmin });
    const events = createLocalWorkloadEvents({ webhooks: h.api.runtime.webhooks, retry: FAST_RETRY });
    await events.notify(eventOf('w-deleted'));
    await events.settled();
    expect(deleted.status).toBe(200);
    expect(deleted.body).not.toHaveProperty('secret');
    expect(received).toHaveLength(0);
    expect(events.deliveries()[0]).toMatchObject({ status: 'skipped', reason: 'no-webhook' });
    events.close();
  });
});
