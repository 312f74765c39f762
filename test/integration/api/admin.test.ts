import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_TENANT_ID } from '../../../core/api/access.js';
import { listAudit, shardPartition, verifyAudit } from '../../../functions/shared/data/audit-log.js';
import { validWorkloadRequest } from '../../support/fixtures.js';
import { createTestSigner, nowS } from '../../unit/api/jwt-fixture.js';
import { type ApiHarness, startApiHarness } from './harness.js';

const ISSUER = 'http://127.0.0.1/hcp-local-idp';
const AUDIENCE = 'hcp-local';
const signer = createTestSigner();
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: signer.jwks } });
});

afterAll(async () => {
  await h?.stop();
});

const admin = () => h.demo.adminApiKey;
const bearer = (claims: Record<string, unknown>) => ({
  authorization: `Bearer ${signer.token({ iss: ISSUER, aud: AUDIENCE, exp: nowS() + 300, ...claims })}`,
});

describe('authentication', () => {
  it('answers 401 without credentials, with an unknown key and with a revoked key', async () => {
    // Prepare
    const created = await h.call('POST', '/v1/api-keys', {
      key: admin(),
      body: { name: 'ci', role: 'customer-user', tenantId: 'demo' },
    });
    const secret = created.body.apiKey as string;
    const before = await h.call('GET', '/v1/workloads', { key: secret });
    // Act
    const revoked = await h.call('DELETE', `/v1/api-keys/${created.body.keyId}?tenantId=demo`, { key: admin() });
    const after = await h.call('GET', '/v1/workloads', { key: secret });
    const none = await h.call('GET', '/v1/workloads');
    const unknown = await h.call('GET', '/v1/workloads', { key: `hcp_key-0_${'x'.repeat(43)}` });
    // Assess
    expect(before.status).toBe(200);
    expect(revoked.body.revokedAt).toBeDefined();
    expect([after.status, none.status, unknown.status]).toEqual([401, 401, 401]);
  });

  it('accepts a signed bearer token: tenant from its claim, role from the user record set by an admin', async () => {
    // Prepare
    const claims = { sub: 'alice', 'custom:tenantId': 'demo', 'custom:role': 'customer-user' };
    const asUser = await h.call('POST', '/v1/api-keys', {
      headers: bearer(claims),
      body: { name: 'k', role: 'customer-user' },
    });
    // Act
    const promoted = await h.call('PUT', '/v1/tenants/demo/users/alice', {
      key: admin(),
      body: { role: 'customer-admin' },
    });
    const asAdmin = await h.call('POST', '/v1/api-keys', {
      headers: bearer(claims),
      body: { name: 'k', role: 'customer-user' },
    });
    const tampered = await h.call('GET', '/v1/workloads', {
      headers: { authorization: `${bearer(claims).authorization.slice(0, -4)}AAAA` },
    });
    // Assess
    expect(asUser.status).toBe(403);
    expect(promoted.status).toBe(200);
    expect(asAdmin.status).toBe(201);
    expect(asAdmin.body.tenantId).toBe('demo');
    expect(tampered.status).toBe(401);
  });
});

describe('roles', () => {
  it('refuses customer keys on admin routes and operator keys on customer routes with 403', async () => {
    const responses = await Promise.all([
      h.call('POST', '/v1/tenants', { key: h.demo.apiKey, body: { tenantId: 'x', name: 'x' } }),
      h.call('GET', '/v1/audit', { key: h.demo.apiKey }),
      h.call('GET', '/v1/tenants', { key: h.demo.operatorApiKey }),
      h.call('GET', '/v1/workloads', { key: h.demo.operatorApiKey }),
      h.call('POST', '/v1/api-keys', { key: h.demo.apiKey, body: { name: 'x', role: 'customer-user' } }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
  });

  it('seeds a customer-admin key for the demo tenant, the key the webhook routes need', async () => {
    // Act
    const asAdmin = await h.call('GET', '/v1/api-keys', { key: h.demo.customerAdminApiKey });
    const asUser = await h.call('GET', '/v1/api-keys', { key: h.demo.apiKey });

    // Assess
    expect(asAdmin.status).toBe(200);
    expect(asUser.status).toBe(403);
  });

  it('lets a customer-admin manage its own tenant only, and grant only customer roles', async () => {
    // Prepare
    const customerAdmin = await h.api.issueApiKey('demo', 'customer-admin');
    await h.call('POST', '/v1/tenants', { key: admin(), body: { tenantId: 'globex', name: 'Globex' } });
    // Act
    const ownUser = await h.call('PUT', '/v1/tenants/demo/users/bob', {
      key: customerAdmin,
      body: { role: 'customer-user' },
    });
    const escalate = await h.call('PUT', '/v1/tenants/demo/users/bob', { key: customerAdmin, body: { role: 'admin' } });
    const foreignUser = await h.call('PUT', '/v1/tenants/globex/users/bob', {
      key: customerAdmin,
      body: { role: 'customer-user' },
    });
    const missingTenant = await h.call('PUT', '/v1/tenants/nowhere/users/bob', {
      key: customerAdmin,
      body: { role: 'customer-user' },
    });
    const foreignKey = await h.call('POST', '/v1/api-keys', {
      key: customerAdmin,
      body: { name: 'x', role: 'customer-user', tenantId: 'globex' },
    });
    const operatorKey = await h.call('POST', '/v1/api-keys', {
      key: customerAdmin,
      body: { name: 'x', role: 'operator' },
    });
    const ownKeys = await h.call('GET', '/v1/api-keys', { key: customerAdmin });
    const foreignKeys = await h.call('GET', '/v1/api-keys?tenantId=globex', { key: customerAdmin });
    // Assess
    expect(ownUser.status).toBe(200);
    expect(escalate.status).toBe(403);
    expect(escalate.body.error.issues[0].field).toBe('role');
    expect(foreignUser.status).toBe(404);
    expect(missingTenant.status).toBe(404);
    expect(foreignKey.status).toBe(404);
    expect(operatorKey.status).toBe(403);
    expect(ownKeys.status).toBe(200);
    expect(ownKeys.body.items.every((k: { tenantId: string }) => k.tenantId === 'demo')).toBe(true);
    expect(foreignKeys.status).toBe(404);
  });
});

describe('tenants and API keys', () => {
  it('creates, reads and lists tenants; a taken id is 409 naming tenantId', async () => {
    const created = await h.call('POST', '/v1/tenants', {
      key: admin(),
      body: { tenantId: 'initech', name: 'Initech', usagePlan: 'premium' },
    });
    const again = await h.call('POST', '/v1/tenants', { key: admin(), body: { tenantId: 'initech', name: 'Other' } });
    const read = await h.call('GET', '/v1/tenants/initech', { key: admin() });
    const first = await h.call('GET', '/v1/tenants?limit=1', { key: admin() });
    const rest = await h.call('GET', `/v1/tenants?limit=100&cursor=${first.body.nextCursor}`, { key: admin() });
    expect(created.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.body.error.issues[0].field).toBe('tenantId');
    expect(read.body).toMatchObject({ tenantId: 'initech', usagePlan: 'premium' });
    const ids = [...first.body.items, ...rest.body.items].map((t: { tenantId: string }) => t.tenantId);
    expect(ids).toEqual(expect.arrayContaining(['demo', 'initech']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows a key’s secret once, stores only its hash, and lists keys without secrets', async () => {
    const created = await h.call('POST', '/v1/api-keys', {
      key: admin(),
      body: { name: 'batch', role: 'customer-user', tenantId: 'demo' },
    });
    const listed = await h.call('GET', '/v1/api-keys?tenantId=demo', { key: admin() });
    const stored = await h.api.runtime.client.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({
        TableName: h.tableName,
        Key: { pk: 'TENANT#demo', sk: `APIKEY#${created.body.keyId}` },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^hcp_key-[0-9a-f]+_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.apiKey);
    expect(JSON.stringify(listed.body)).not.toContain('hash');
    expect(JSON.stringify(stored.Item)).not.toContain(created.body.apiKey);
    expect(stored.Item?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 404 for revoking a key of another tenant', async () => {
    const created = await h.call('POST', '/v1/api-keys', {
      key: admin(),
      body: { name: 'g', role: 'customer-user', tenantId: 'demo' },
    });
    const customerAdmin = await h.api.issueApiKey('globex', 'customer-admin');
    const response = await h.call('DELETE', `/v1/api-keys/${created.body.keyId}`, { key: customerAdmin });
    const stillWorks = await h.call('GET', '/v1/workloads', { key: created.body.apiKey });
    expect(response.status).toBe(404);
    expect(stillWorks.status).toBe(200);
  });
});

describe('audit log', () => {
  it('records each mutating call with who, tenant, action, target and request id, in a chain that verifies', async () => {
    // Prepare
    const submitted = await h.call('POST', '/v1/workloads', {
      key: h.demo.apiKey,
      body: validWorkloadRequest(),
      headers: { 'Idempotency-Key': 'audit-1' },
    });
    // Act
    const page = await h.call('GET', '/v1/audit?chain=demo&limit=100', { key: admin() });
    const verify = await h.call('GET', '/v1/audit/verify?chain=demo', { key: admin() });
    const platform = await h.call('GET', '/v1/audit/verify', { key: admin() });
    // Assess
    const entry = page.body.items.find((e: { target: string }) => e.target === `workload/${submitted.body.id}`);
    expect(entry).toMatchObject({
      action: 'workload.submit',
      tenantId: 'demo',
      actor: expect.stringMatching(/^apikey:/),
    });
    expect(entry.requestId).toBe(submitted.headers.get('x-amzn-RequestId'));
    expect(verify.body).toMatchObject({ chain: 'demo', ok: true });
    expect(platform.body).toMatchObject({ chain: PLATFORM_TENANT_ID, ok: true });
  });

  it('detects an entry edited in DynamoDB and reports its index', async () => {
    // Prepare
    const before = await verifyAudit(h.api.runtime.audit, 'demo');
    expect(before.ok).toBe(true);
    const { items } = await listAudit(h.api.runtime.audit, 'demo', 1000);
    const victim = items.find((e) => e.seq === 2) ?? items[0];
    if (!victim) throw new Error('the demo chain has no entries');
    // Act: rewrite an entry's target behind the API's back.
    await h.documents.send(
      new UpdateCommand({
        TableName: h.tableName,
        Key: { pk: shardPartition('demo', victim.shard ?? 0), sk: `ENTRY#${String(victim.seq).padStart(12, '0')}` },
        UpdateExpression: 'SET #target = :target',
        ExpressionAttributeNames: { '#target': 'target' },
        ExpressionAttributeValues: { ':target': 'workload/innocent' },
      }),
    );
    const after = await h.call('GET', '/v1/audit/verify?chain=demo', { key: admin() });
    // Assess
    expect(after.body).toMatchObject({
      ok: false,
      shard: victim.shard ?? 0,
      firstBadIndex: victim.seq - 1,
      reason: 'hash-mismatch',
    });
  });

  it('keeps one unforked chain under 30 concurrent appends', async () => {
    const customer = await h.api.issueApiKey('globex', 'customer-user');
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        h.call('POST', '/v1/workloads', {
          key: customer,
          body: validWorkloadRequest(),
          headers: { 'Idempotency-Key': `c-${i}` },
        }),
      ),
    );
    const verification = await verifyAudit(h.api.runtime.audit, 'globex');
    expect(responses.every((r) => r.status === 201)).toBe(true);
    // The seed's key creation, the customer-admin's key, and the 30 submissions.
    expect(verification).toMatchObject({ ok: true });
    expect(verification.checked).toBeGreaterThanOrEqual(31);
  });
});

describe('OpenAPI', () => {
  it('serves the document publicly at /v1/openapi.json', async () => {
    const response = await h.call('GET', '/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.paths['/v1/workloads'].post.operationId).toBe('submitWorkload');
  });
});
