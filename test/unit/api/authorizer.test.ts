import { apiKeyHash } from '../../../core/api/api-keys.js';
import { denyPolicy, policyFor, stageArn } from '../../../functions/auth/authorizer.js';
import { type ApiKeyRecord, type AuthPorts, authenticate, roleFromClaims } from '../../../functions/auth/decide.js';
import { cognitoJwtVerifier, jwksJwtVerifier } from '../../../functions/auth/jwt.js';
import { createTestSigner, nowS, tamper } from './jwt-fixture.js';

const USER_POOL_ID = 'us-east-2_TestPool1';
const CLIENT_ID = 'client-abc';
const ISSUER = `https://cognito-idp.us-east-2.amazonaws.com/${USER_POOL_ID}`;
const signer = createTestSigner();
const GOOD_KEY = `hcp_key-1_${'A'.repeat(43)}`;
const REVOKED_KEY = `hcp_key-2_${'B'.repeat(43)}`;

const keys = new Map<string, ApiKeyRecord>([
  [apiKeyHash(GOOD_KEY), { keyId: 'key-1', tenantId: 'acme', role: 'customer-user', revoked: false }],
  [apiKeyHash(REVOKED_KEY), { keyId: 'key-2', tenantId: 'acme', role: 'customer-admin', revoked: true }],
]);

const ports = (overrides: Partial<AuthPorts> = {}): AuthPorts => ({
  lookupApiKey: async (hash) => keys.get(hash),
  verifyJwt: cognitoJwtVerifier({ userPoolId: USER_POOL_ID, clientId: CLIENT_ID, jwks: signer.jwks }),
  userRole: async () => undefined,
  ...overrides,
});

const idToken = (claims: Record<string, unknown> = {}) =>
  signer.token({
    sub: 'user-1',
    iss: ISSUER,
    aud: CLIENT_ID,
    token_use: 'id',
    iat: nowS(),
    exp: nowS() + 600,
    'custom:tenantId': 'acme',
    'custom:role': 'customer-admin',
    ...claims,
  });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('authorizer decision: API keys', () => {
  it('allows a known key with its tenant and role', async () => {
    const decision = await authenticate({ 'X-Api-Key': GOOD_KEY }, ports());
    expect(decision).toEqual({
      allow: true,
      principal: { principalId: 'apikey:key-1', tenantId: 'acme', role: 'customer-user', authMethod: 'api-key' },
    });
  });

  it.each([
    ['a revoked key', REVOKED_KEY, 'revoked API key'],
    ['an unknown key', `hcp_key-9_${'C'.repeat(43)}`, 'unknown API key'],
    ['a malformed key', 'letmein', 'unknown API key'],
  ])('refuses %s with 401', async (_name, key, reason) => {
    const decision = await authenticate({ 'x-api-key': key }, ports());
    expect(decision).toEqual({ allow: false, statusCode: 401, reason });
  });

  it('never looks up a malformed key', async () => {
    const lookupApiKey = jest.fn(async () => undefined);
    await authenticate({ 'x-api-key': 'short' }, ports({ lookupApiKey }));
    expect(lookupApiKey).not.toHaveBeenCalled();
  });
});

describe('authorizer decision: Cognito JWTs', () => {
  it('refuses a request without credentials with 401', async () => {
    expect(await authenticate({}, ports())).toMatchObject({ allow: false, statusCode: 401, reason: 'no credentials' });
  });

  it('refuses a request with both credentials', async () => {
    expect(await authenticate({ 'x-api-key': GOOD_KEY, ...bearer(idToken()) }, ports())).toMatchObject({
      allow: false,
      statusCode: 401,
    });
  });

  it('allows a valid ID token with the tenant and role from its custom claims', async () => {
    const decision = await authenticate(bearer(idToken()), ports());
    expect(decision).toEqual({
      allow: true,
      principal: { principalId: 'user-1', tenantId: 'acme', role: 'customer-admin', authMethod: 'jwt' },
    });
  });

  it.each([
    ['an expired token', { exp: nowS() - 60, iat: nowS() - 3600 }, 'JwtExpiredError'],
    ['a token for another app client', { aud: 'someone-else' }, 'CognitoJwtInvalidClientIdError'],
    [
      'a token from another user pool',
      { iss: 'https://cognito-idp.us-east-2.amazonaws.com/us-east-2_Other' },
      'ParameterValidationError',
    ],
    ['an access token', { token_use: 'access' }, 'CognitoJwtInvalidTokenUseError'],
  ])('refuses %s with 401', async (_name, claims, errorName) => {
    const decision = await authenticate(bearer(idToken(claims)), ports());
    expect(decision).toEqual({ allow: false, statusCode: 401, reason: `invalid token: ${errorName}` });
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const decision = await authenticate(bearer(tamper(idToken({ 'custom:role': 'customer-user' }))), ports());
    expect(decision).toEqual({ allow: false, statusCode: 401, reason: 'invalid token: JwtInvalidSignatureError' });
  });

  it('refuses a token signed by a key that is not in the pool’s JWKS', async () => {
    const stranger = createTestSigner('test-key-1');
    const token = stranger.token({ sub: 'u', iss: ISSUER, aud: CLIENT_ID, token_use: 'id', exp: nowS() + 60 });
    expect(await authenticate(bearer(token), ports())).toMatchObject({ allow: false, statusCode: 401 });
  });

  it('refuses a signed token without a tenant with 403', async () => {
    const decision = await authenticate(bearer(idToken({ 'custom:tenantId': undefined })), ports());
    expect(decision).toMatchObject({ allow: false, statusCode: 403, reason: 'token has no tenant' });
  });

  it('refuses a platform role in a customer tenant and a customer role in the platform tenant', async () => {
    // Act
    const adminInCustomer = await authenticate(bearer(idToken({ 'custom:role': 'admin' })), ports());
    const operatorInCustomer = await authenticate(bearer(idToken({ 'custom:role': 'operator' })), ports());
    const customerInPlatform = await authenticate(
      bearer(idToken({ 'custom:tenantId': 'platform', 'custom:role': 'customer-admin' })),
      ports(),
    );
    const adminInPlatform = await authenticate(
      bearer(idToken({ 'custom:tenantId': 'platform', 'custom:role': 'admin' })),
      ports(),
    );

    // Assess
    for (const decision of [adminInCustomer, operatorInCustomer, customerInPlatform])
      expect(decision).toMatchObject({
        allow: false,
        statusCode: 403,
        reason: expect.stringMatching(/not valid in tenant/),
      });
    expect(adminInPlatform).toMatchObject({ allow: true, principal: { tenantId: 'platform', role: 'admin' } });
  });

  it('prefers the role an admin set for the user over the token’s claim', async () => {
    const userRole = jest.fn(async () => 'customer-user' as const);
    const decision = await authenticate(bearer(idToken()), ports({ userRole }));
    expect(userRole).toHaveBeenCalledWith('acme', 'user-1');
    expect(decision).toMatchObject({ allow: true, principal: { role: 'customer-user' } });
  });

  it('verifies tokens of a local issuer against its JWKS the same way', async () => {
    const verify = jwksJwtVerifier({ issuer: 'http://127.0.0.1/local', audience: 'local-app', jwks: signer.jwks });
    const good = signer.token({ sub: 'u', iss: 'http://127.0.0.1/local', aud: 'local-app', exp: nowS() + 60 });
    await expect(verify(good)).resolves.toMatchObject({ sub: 'u' });
    await expect(verify(tamper(good))).rejects.toThrow();
  });
});

describe('role from claims', () => {
  it.each([
    [{ 'custom:role': 'operator', 'cognito:groups': ['admin'] }, 'operator'],
    [{ 'cognito:groups': ['customer-user', 'customer-admin'] }, 'customer-admin'],
    [{ 'cognito:groups': ['staff'] }, undefined],
    [{ 'custom:role': 'root' }, undefined],
  ])('%j gives %s', (claims, role) => {
    expect(roleFromClaims(claims)).toBe(role);
  });
});

describe('authorizer response', () => {
  const methodArn = 'arn:aws:execute-api:us-east-2:123456789012:abc123/live/GET/v1/workloads/wl-1';

  it('allows the whole stage (a cached answer serves every route) and carries the principal as context', () => {
    const principal = {
      principalId: 'apikey:key-1',
      tenantId: 'acme',
      role: 'customer-user',
      authMethod: 'api-key',
    } as const;
    const result = policyFor({ allow: true, principal }, methodArn, 'usage-key-acme');
    expect(stageArn(methodArn)).toBe('arn:aws:execute-api:us-east-2:123456789012:abc123/live/*');
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: stageArn(methodArn) });
    expect(result.context).toEqual(principal);
    expect(result.usageIdentifierKey).toBe('usage-key-acme');
  });

  it('denies only the method asked for', () => {
    expect(denyPolicy(methodArn, 'token has no tenant').policyDocument.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Resource: methodArn,
    });
  });
});
