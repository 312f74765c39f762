import { createHmac } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import { apiKeyHash } from '../../core/api/api-keys.js';
import { ROLES, type Role } from '../../core/api/principal.js';
import type { ApiRoute } from '../../functions/api/route.js';
import { validWorkloadRequest } from '../support/fixtures.js';
import { createTestSigner, nowS, tamper } from '../unit/api/jwt-fixture.js';
import { type AbuseHarness, errorShapeProblem, issueFields, startAbuseHarness, Tally } from './support/api-client.js';
import { API_ROUTES, exampleFor, routeName, toRawRequest } from './support/api-routes.js';
import { recordFigure } from './support/figures.js';

/**
 * The authentication and authorization attacks in one place, against the local API (the real authorizer decision,
 * functions/auth/decide.ts, behind the local adapter, with bearer JWTs of a local issuer verified by aws-jwt-verify
 * as Cognito's are): missing, malformed, revoked, deleted and unknown credentials; every role on every route it may
 * not call; role escalation and tenant smuggling through the body; forged, expired and misdirected tokens. Each case
 * asserts its exact status and that nothing was written: the whole table, audit chains included, reads back the same.
 */

const ISSUER = 'http://127.0.0.1/hcp-local-idp';
const AUDIENCE = 'hcp-local';
const OTHER_TENANT = 'auth-other';
const signer = createTestSigner();
const CHAINS = ['demo', OTHER_TENANT, PLATFORM_TENANT_ID];

let h: AbuseHarness;
const statuses = new Tally();
let revokedKey: string;
let deletedKey: string;

beforeAll(async () => {
  h = await startAbuseHarness({
    tableName: 'hcp-api-auth-attacks',
    jwt: { issuer: ISSUER, audience: AUDIENCE, jwks: signer.jwks },
  });
  const admin = h.keys.admin;
  await h.call('POST', '/v1/tenants', { key: admin, body: { tenantId: OTHER_TENANT, name: 'Other' } });
  const revoked = await h.call('POST', '/v1/api-keys', {
    key: admin,
    body: { name: 'to revoke', role: 'admin', tenantId: PLATFORM_TENANT_ID },
  });
  await h.call('DELETE', `/v1/api-keys/${revoked.body.keyId}?tenantId=${PLATFORM_TENANT_ID}`, { key: admin });
  revokedKey = revoked.body.apiKey;
  const deleted = await h.call('POST', '/v1/api-keys', {
    key: admin,
    body: { name: 'to delete', role: 'admin', tenantId: PLATFORM_TENANT_ID },
  });
  deletedKey = deleted.body.apiKey;
  // Deleted behind the API, both items: the tenant's record and the authorizer's lookup by hash.
  for (const Key of [
    { pk: `TENANT#${PLATFORM_TENANT_ID}`, sk: `APIKEY#${deleted.body.keyId}` },
    { pk: `APIKEYHASH#${apiKeyHash(deletedKey)}`, sk: 'LOOKUP' },
  ])
    await h.documents.send(new DeleteCommand({ TableName: h.tableName, Key }));
});

afterAll(async () => {
  await h?.stop();
});

const guarded = API_ROUTES.filter((route) => route.roles !== 'public');

/** Sends `route`'s valid example with `headers` for credentials; returns the status and body. */
async function attack(route: ApiRoute, headers: Record<string, string>, label: string) {
  const request = toRawRequest(route, exampleFor(route));
  const response = await h.send({ ...request, headers: { ...request.headers, ...headers } });
  statuses.add(label, response.status);
  return response;
}

/** Runs `work`, then asserts that the table (audit chains and all) is exactly as before. */
async function expectNothingWritten(work: () => Promise<void>) {
  const [before, chainsBefore] = [await h.tableSnapshot(), await h.auditLengths(CHAINS)];
  await work();
  expect(await h.auditLengths(CHAINS)).toEqual(chainsBefore);
  expect(await h.tableSnapshot()).toBe(before);
}

/** Every guarded route with each header set: each answer must be `status`, in the error shape. */
async function expectEveryRoute(cases: Record<string, Record<string, string>>, status: 401 | 403) {
  const wrong: string[] = [];
  await expectNothingWritten(async () => {
    for (const [label, headers] of Object.entries(cases))
      for (const route of guarded) {
        const response = await attack(route, headers, label);
        if (response.status !== status || errorShapeProblem(response)) {
          wrong.push(`${label}: ${routeName(route)} → ${response.status} ${response.text.slice(0, 120)}`);
        }
      }
  });
  expect(wrong).toEqual([]);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'alice',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: nowS(),
  exp: nowS() + 300,
  'custom:tenantId': 'demo',
  'custom:role': 'customer-user',
  ...extra,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('credentials: every guarded route answers 401 and writes nothing', () => {
  it('without credentials', async () => {
    await expectEveryRoute({ 'no credentials': {} }, 401);
  });

  it('with a malformed x-api-key, an API key as a bearer token, a Basic header, or two credentials', async () => {
    await expectEveryRoute(
      {
        'empty x-api-key': { 'x-api-key': '' },
        'x-api-key not a key': { 'x-api-key': 'letmein' },
        'x-api-key prefix only': { 'x-api-key': 'hcp_' },
        'x-api-key one char short': { 'x-api-key': h.keys.admin.slice(0, -1) },
        'x-api-key too long': { 'x-api-key': `${h.keys.admin}${'A'.repeat(200)}` },
        'x-api-key latin-1': { 'x-api-key': `${h.keys.admin.slice(0, -1)}é` },
        'api key as bearer': bearer(h.keys.admin),
        'basic auth': { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
        'key and bearer': { 'x-api-key': h.keys.admin, ...bearer('x.y.z') },
      },
      401,
    );
  });

  it('with a revoked key, a deleted key and a well-formed key never issued', async () => {
    await expectEveryRoute(
      {
        'revoked key': { 'x-api-key': revokedKey },
        'deleted key': { 'x-api-key': deletedKey },
        'unknown key': { 'x-api-key': `hcp_key-0123456789abcdef_${'Q'.repeat(43)}` },
      },
      401,
    );
  });
});

describe('roles: every role on every route it may not call answers 403 and writes nothing', () => {
  it.each(ROLES.map((role) => [role]))('%s', async (role: Role) => {
    const forbidden = guarded.filter((route) => route.roles !== 'public' && !route.roles.includes(role));
    const wrong: string[] = [];
    await expectNothingWritten(async () => {
      for (const route of forbidden) {
        const response = await attack(route, { 'x-api-key': h.keys[role] }, `role ${role}`);
        if (response.status !== 403 || errorShapeProblem(response)) {
          wrong.push(`${routeName(route)} → ${response.status}`);
        }
      }
    });
    expect(wrong).toEqual([]);
    expect(forbidden.length).toBeGreaterThan(0);
  });
});

describe('escalation and smuggling through the body', () => {
  const send = async (method: string, path: string, key: string, body: unknown, label: string, headers = {}) => {
    const response = await h.send({ method, path, headers: { 'x-api-key': key, ...headers }, body });
    statuses.add(label, response.status);
    return { status: response.status, fields: issueFields(response) };
  };

  it('refuses a customer-admin granting operator or admin, to a user or a new key: 403 naming role', async () => {
    const customerAdmin = h.keys['customer-admin'];
    await expectNothingWritten(async () => {
      const answers = [];
      for (const role of ['operator', 'admin'] as const) {
        answers.push(await send('PUT', '/v1/tenants/demo/users/mallory', customerAdmin, { role }, 'escalation'));
        answers.push(await send('POST', '/v1/api-keys', customerAdmin, { name: 'x', role }, 'escalation'));
        answers.push(
          await send('POST', '/v1/api-keys', customerAdmin, { name: 'x', role, tenantId: 'demo' }, 'escalation'),
        );
      }
      expect(answers).toEqual(Array(6).fill({ status: 403, fields: ['role'] }));
    });
  });

  it('refuses a customer-user setting any role, its own included: 403', async () => {
    await expectNothingWritten(async () => {
      const answers = [];
      for (const role of ['customer-admin', 'admin'])
        answers.push(
          await send('PUT', '/v1/tenants/demo/users/alice', h.keys['customer-user'], { role }, 'escalation'),
        );
      expect(answers.map((a) => a.status)).toEqual([403, 403]);
    });
  });

  it('never lets a tenantId in the body move a write to another tenant', async () => {
    const { 'customer-admin': customerAdmin, 'customer-user': customerUser } = h.keys;
    const attempts: [string, string, string, unknown, Record<string, string>?][] = [
      ['POST', '/v1/api-keys', customerAdmin, { name: 'x', role: 'customer-user', tenantId: OTHER_TENANT }],
      ['POST', '/v1/api-keys', customerAdmin, { name: 'x', role: 'customer-user', tenantId: PLATFORM_TENANT_ID }],
      [
        'POST',
        '/v1/workloads',
        customerUser,
        { ...validWorkloadRequest(), tenantId: OTHER_TENANT },
        { 'Idempotency-Key': 'smuggle-1' },
      ],
      ['PUT', '/v1/tenants/demo/users/mallory', customerAdmin, { role: 'customer-user', tenantId: OTHER_TENANT }],
    ];
    await expectNothingWritten(async () => {
      // Act
      const answers = [];
      for (const [method, path, key, body, headers] of attempts)
        answers.push(await send(method, path, key, body, 'smuggling', headers));
      // Assess: the other tenant is not found, customer roles are not held in the platform, strict bodies refuse it.
      expect(answers).toEqual([
        { status: 404, fields: [] },
        { status: 403, fields: ['role'] },
        { status: 400, fields: ['tenantId'] },
        { status: 400, fields: ['tenantId'] },
      ]);
    });
  });
});

describe('bearer JWTs through the local adapter', () => {
  const unknownSigner = createTestSigner('unknown-key');
  const sameKidOtherKey = createTestSigner(signer.kid);
  const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims({ 'custom:role': 'admin' }))}.`;
  // The classic confusion: HS256 "signed" with the RSA public key as the HMAC secret.
  const publicKeyPem = JSON.stringify(signer.jwks.keys[0]);
  const hsInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: signer.kid })}.${b64url(claims())}`;
  const hsToken = `${hsInput}.${createHmac('sha256', publicKeyPem).update(hsInput).digest('base64url')}`;

  it('accepts a valid token (the path under attack works)', async () => {
    const response = await h.send({ method: 'GET', path: '/v1/workloads', headers: bearer(signer.token(claims())) });
    expect(response.status).toBe(200);
  });

  it.each([
    ['expired', () => signer.token(claims({ iat: nowS() - 3600, exp: nowS() - 60 }))],
    ['not yet valid', () => signer.token(claims({ nbf: nowS() + 600 }))],
    ['for another audience', () => signer.token(claims({ aud: 'someone-else' }))],
    ['from another issuer', () => signer.token(claims({ iss: 'https://evil.example/idp' }))],
    ['tampered after signing', () => tamper(signer.token(claims()))],
    ['unsigned, alg none', () => unsigned],
    ['HS256 with the public key as secret', () => hsToken],
    ['signed by an unknown key', () => unknownSigner.token(claims(), { kid: 'unknown-key' })],
    ['signed by another key under the known kid', () => sameKidOtherKey.token(claims())],
    ['not a JWT', () => 'not-a-jwt'],
  ])('answers 401 to a token %s, on every guarded route, and writes nothing', async (_name, token) => {
    await expectEveryRoute({ [`jwt ${_name}`]: bearer(token()) }, 401);
  });

  it.each([
    ['without a tenant', { 'custom:tenantId': undefined }],
    ['without a role', { 'custom:role': undefined }],
  ])('answers 403 to a valid token %s, on every guarded route', async (name, extra) => {
    await expectEveryRoute({ [`jwt ${name}`]: bearer(signer.token(claims(extra))) }, 403);
  });

  it('prints the attacks sent and their statuses', () => {
    console.log(`${statuses.report('Authentication attacks')}\n`);
    recordFigure('api-auth-attacks.requests', statuses.total(), 'requests');
    const histogram = statuses.histogram();
    expect(Object.keys(histogram).every((status) => Number(status) < 500)).toBe(true);
  });
});
