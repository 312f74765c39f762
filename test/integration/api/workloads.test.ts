import { randomUUID } from 'node:crypto';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { validWorkloadRequest } from '../../support/fixtures.js';
import { type ApiHarness, startApiHarness } from './harness.js';

let h: ApiHarness;
let otherTenantKey: string;

beforeAll(async () => {
  h = await startApiHarness();
  otherTenantKey = await h.addCustomerTenant('tenant-b');
});

afterAll(async () => {
  await h?.stop();
});

const submit = (body: unknown = validWorkloadRequest(), key: string = randomUUID(), apiKey = h.demo.apiKey) =>
  h.call('POST', '/v1/workloads', { key: apiKey, body, headers: { 'Idempotency-Key': key } });

describe('workloads: submit, list, get, cancel', () => {
  it('stores a submission in the caller’s tenant and returns it by id', async () => {
    // Act
    const created = await submit();
    const fetched = await h.call('GET', `/v1/workloads/${created.body.id}`, { key: h.demo.apiKey });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: 'demo', status: 'accepted', tier: 'flex' });
    expect(created.headers.get('location')).toBe(`/v1/workloads/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('cancels an accepted workload once; cancelling it again is 409 naming its status', async () => {
    // Prepare
    const { body: workload } = await submit();
    // Act
    const first = await h.call('POST', `/v1/workloads/${workload.id}/cancel`, { key: h.demo.apiKey });
    const second = await h.call('POST', `/v1/workloads/${workload.id}/cancel`, { key: h.demo.apiKey });
    // Assess
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('cancelled');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain('cancelled');
  });

  it('answers 404 for an id that does not exist', async () => {
    const response = await h.call('GET', '/v1/workloads/wl-nope', { key: h.demo.apiKey });
    expect(response.status).toBe(404);
  });

  it('pages through a tenant’s workloads with an opaque cursor, without repeats, filtered by status and tier', async () => {
    // Prepare: a tenant of its own so earlier tests do not count.
    await h.api.runtime.tenants.create({
      tenantId: 'tenant-pages',
      name: 'Pages',
      usagePlan: 'standard',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    const key = await h.api.issueApiKey('tenant-pages', 'customer-user');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const tier = i % 2 === 0 ? 'flex' : 'guaranteed';
      ids.push((await submit({ ...validWorkloadRequest(), tier }, randomUUID(), key)).body.id);
    }
    await h.call('POST', `/v1/workloads/${ids[0]}/cancel`, { key });
    // Act
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.call('GET', `/v1/workloads?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((w: { id: string }) => w.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    const cancelled = await h.call('GET', '/v1/workloads?status=cancelled', { key });
    const guaranteed = await h.call('GET', '/v1/workloads?tier=guaranteed&limit=1', { key });
    const guaranteedRest = await h.call('GET', `/v1/workloads?tier=guaranteed&cursor=${guaranteed.body.nextCursor}`, {
      key,
    });
    const future = await h.call('GET', '/v1/workloads?from=2999-01-01T00:00:00Z', { key });
    // Assess
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    expect(cancelled.body.items.map((w: { id: string }) => w.id)).toEqual([ids[0]]);
    expect([...guaranteed.body.items, ...guaranteedRest.body.items].map((w: { id: string }) => w.id)).toEqual([
      ids[1],
      ids[3],
    ]);
    expect(guaranteedRest.body.nextCursor).toBeUndefined();
    expect(future.body.items).toEqual([]);
  });
});

describe('idempotency', () => {
  it('returns the first response, same status and body, to a repeat of the same request', async () => {
    // Prepare
    const key = randomUUID();
    const first = await submit(validWorkloadRequest(), key);
    // Act: the same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(validWorkloadRequest()).reverse());
    const repeat = await submit(reordered, key);
    // Assess
    expect(repeat.status).toBe(first.status);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.headers.get('location')).toBe(first.headers.get('location'));
    expect(first.headers.get('location')).toBe(`/v1/workloads/${first.body.id}`);
  });

  it('refuses the same key with a different body with 422 naming the header', async () => {
    const key = randomUUID();
    await submit(validWorkloadRequest(), key);
    const conflicting = await submit({ ...validWorkloadRequest(), inputTokens: 9999 }, key);
    expect(conflicting.status).toBe(422);
    expect(conflicting.body.error.issues[0].field).toBe('Idempotency-Key');
  });

  it('scopes keys by tenant: another tenant using the same key gets its own workload', async () => {
    const key = randomUUID();
    const mine = await submit(validWorkloadRequest(), key);
    const theirs = await submit(validWorkloadRequest(), key, otherTenantKey);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.tenantId).toBe('tenant-b');
  });

  it('creates exactly one workload from 100 concurrent submissions with one key', async () => {
    // Prepare
    await h.api.runtime.tenants.create({
      tenantId: 'tenant-race',
      name: 'Race',
      usagePlan: 'standard',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    const apiKey = await h.api.issueApiKey('tenant-race', 'customer-user');
    const key = randomUUID();
    // Act
    const responses = await Promise.all(Array.from({ length: 100 }, () => submit(validWorkloadRequest(), key, apiKey)));
    const listed = await h.call('GET', '/v1/workloads?limit=100', { key: apiKey });
    const auditEntries = await listAudit(h.api.runtime.audit, 'tenant-race', 1000);
    // Assess
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(listed.body.items).toHaveLength(1);
    const submits = auditEntries.items.filter((item) => item.action === 'workload.submit');
    expect(submits).toHaveLength(1);
  });
});

describe('tenant isolation', () => {
  it('hides a workload from another tenant: get and cancel are 404 and the list does not show it', async () => {
    // Prepare
    const { body: workload } = await submit();
    // Act
    const get = await h.call('GET', `/v1/workloads/${workload.id}`, { key: otherTenantKey });
    const cancel = await h.call('POST', `/v1/workloads/${workload.id}/cancel`, { key: otherTenantKey });
    const list = await h.call('GET', '/v1/workloads?limit=100', { key: otherTenantKey });
    const still = await h.call('GET', `/v1/workloads/${workload.id}`, { key: h.demo.apiKey });
    // Assess
    expect(get.status).toBe(404);
    expect(cancel.status).toBe(404);
    expect(list.body.items.map((w: { id: string }) => w.id)).not.toContain(workload.id);
    expect(still.body.status).toBe('accepted');
  });

  it('refuses a cursor forged to point into another tenant’s partition', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'TENANT#demo', sk: 'WORKLOAD#' })).toString('base64url');
    const response = await h.call('GET', `/v1/workloads?cursor=${forged}`, { key: otherTenantKey });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].field).toBe('cursor');
  });
});

describe('usage', () => {
  it('returns zeros for a month without usage records', async () => {
    const response = await h.call('GET', '/v1/usage?period=2024-02', { key: h.demo.apiKey });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenantId: 'demo',
      period: '2024-02',
      jobs: 0,
      gpuSeconds: 0,
      inputTokens: 0,
      outputTokens: 0,
      energyKwh: 0,
      priceUsd: 0,
    });
  });

  it('sums the tenant’s usage records of the month and ignores other months and tenants', async () => {
    // Prepare
    const record = {
      tenantId: 'demo',
      workloadId: 'wl-a',
      attempt: 1,
      siteId: 'site-west-1',
      completedAt: '2025-03-10T10:00:00.000Z',
      gpuSeconds: 120.5,
      inputTokens: 2000,
      outputTokens: 500,
      energyKwh: 0.1,
      priceUsd: 0.2,
    };
    const { workloads } = h.api.runtime;
    await workloads.putUsageRecord(record);
    await workloads.putUsageRecord({
      ...record,
      attempt: 2,
      completedAt: '2025-03-31T23:59:59.000Z',
      energyKwh: 0.2,
      priceUsd: 0.1,
    });
    await workloads.putUsageRecord({ ...record, workloadId: 'wl-b', completedAt: '2025-04-01T00:00:00.000Z' });
    await workloads.putUsageRecord({ ...record, tenantId: 'tenant-b' });
    // Act
    const response = await h.call('GET', '/v1/usage?period=2025-03', { key: h.demo.apiKey });
    // Assess
    expect(response.body).toMatchObject({ jobs: 1, gpuSeconds: 241, inputTokens: 4000, outputTokens: 1000 });
    expect(response.body.energyKwh).toBeCloseTo(0.3, 9);
    expect(response.body.priceUsd).toBeCloseTo(0.3, 9);
  });

  it('refuses a malformed period with 400 naming it', async () => {
    const response = await h.call('GET', '/v1/usage?period=2025-13', { key: h.demo.apiKey });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].field).toBe('period');
  });
});

describe('bad input is a 4xx naming the field, never a 5xx', () => {
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    [
      'malformed JSON',
      () =>
        h.call('POST', '/v1/workloads', {
          key: h.demo.apiKey,
          rawBody: '{"modelId":',
          headers: { 'Idempotency-Key': 'k1', 'content-type': 'application/json' },
        }),
      400,
      'body',
    ],
    ['a wrong type', () => submit({ ...validWorkloadRequest(), inputTokens: 'many' }), 400, 'inputTokens'],
    ['an unknown property', () => submit({ ...validWorkloadRequest(), priority: 'high' }), 400, 'priority'],
    ['a missing field', () => submit({ ...validWorkloadRequest(), tier: undefined }), 400, 'tier'],
    ['a JSON array body', () => submit([1, 2]), 400, '(root)'],
    [
      'no Idempotency-Key',
      () => h.call('POST', '/v1/workloads', { key: h.demo.apiKey, body: validWorkloadRequest() }),
      400,
      'Idempotency-Key',
    ],
    ['an Idempotency-Key with spaces', () => submit(validWorkloadRequest(), 'a key'), 400, 'Idempotency-Key'],
    [
      'a non-JSON content type',
      () =>
        h.call('POST', '/v1/workloads', {
          key: h.demo.apiKey,
          rawBody: 'x=1',
          headers: { 'Idempotency-Key': 'k2', 'content-type': 'text/plain' },
        }),
      415,
      'content-type',
    ],
    ['a body over 64 KiB', () => submit({ ...validWorkloadRequest(), modelId: 'x'.repeat(70_000) }), 413, 'body'],
    ['a limit out of range', () => h.call('GET', '/v1/workloads?limit=1000', { key: h.demo.apiKey }), 400, 'limit'],
    [
      'a limit that is not a number',
      () => h.call('GET', '/v1/workloads?limit=ten', { key: h.demo.apiKey }),
      400,
      'limit',
    ],
    ['an unknown query parameter', () => h.call('GET', '/v1/workloads?sort=desc', { key: h.demo.apiKey }), 400, 'sort'],
    ['an unknown status', () => h.call('GET', '/v1/workloads?status=done', { key: h.demo.apiKey }), 400, 'status'],
    [
      'to before from',
      () => h.call('GET', '/v1/workloads?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', { key: h.demo.apiKey }),
      400,
      'to',
    ],
    [
      'a garbage cursor',
      () => h.call('GET', '/v1/workloads?cursor=bm90LWpzb24', { key: h.demo.apiKey }),
      400,
      'cursor',
    ],
    ['a malformed workload id', () => h.call('GET', '/v1/workloads/%20bad', { key: h.demo.apiKey }), 400, 'workloadId'],
  ];

  it.each(cases)('%s', async (_name, send, status, field) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body.error.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  it('answers 413 for a body over the adapter’s 1 MiB limit', async () => {
    const response = await submit({ ...validWorkloadRequest(), modelId: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });
});
