import fc from 'fast-check';
import { ManualClock } from '../../../core/support/clock.js';
import { stringLike } from '../../../core/support/string-like.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { type SessionCredentials, TenantSessionCache } from '../../../functions/shared/data/sts-tenant-clients.js';
import {
  cacheScoped,
  MAX_CACHED_SCOPES,
  requestLeadingKeys,
  scopeAllows,
  scopeLeadingKeyPatterns,
  type TenantScope,
} from '../../../functions/shared/data/tenant-scope.js';

const A: TenantScope = { tenantId: 'acme', auditChain: 'acme' };
const tenantIdArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);

describe('the tenant scope rule (#23 item 5)', () => {
  it('matches as IAM StringLike: a pattern without wildcards only itself, * any run, ? one character', () => {
    // Assess
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const plain = a.replace(/[*?]/g, '');
        expect(stringLike(plain, b)).toBe(plain === b);
        expect(stringLike(`${plain}*`, `${plain}${b}`)).toBe(true);
      }),
      { seed: 20261207 },
    );
    expect(stringLike('a?c', 'abc')).toBe(true);
    expect(stringLike('a?c', 'ac')).toBe(false);
  });

  it('never lets one tenant’s scope reach another tenant’s partition, whatever the two ids', () => {
    // Assess
    fc.assert(
      fc.property(tenantIdArb, tenantIdArb, fc.constantFrom('', '#STATUS#queued', '#3'), (a, b, suffix) => {
        fc.pre(a !== b);
        const patterns = scopeLeadingKeyPatterns({ tenantId: a, auditChain: a });
        expect(scopeAllows(patterns, { Key: { pk: `TENANT#${b}${suffix}`, sk: 'X' } })).toBe(false);
        expect(scopeAllows(patterns, { Item: { pk: `AUDIT#${b}${suffix}`, sk: 'X' } })).toBe(false);
        expect(scopeAllows(patterns, { Key: { pk: `TENANT#${a}${suffix}`, sk: 'X' } })).toBe(true);
      }),
      { seed: 20261207 },
    );
  });

  it('reads the leading keys of items, keys, key conditions, batches and transactions, and none of a Scan', () => {
    // Assess
    expect(requestLeadingKeys({ TableName: 't' })).toEqual([]);
    expect(
      requestLeadingKeys({
        KeyConditionExpression: '#gpk = :v AND #sk > :s',
        IndexName: 'gsi1',
        ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#sk': 'gsi1sk' },
        ExpressionAttributeValues: { ':v': 'TENANT#acme#STATUS#queued', ':s': 'a' },
      }),
    ).toEqual(['TENANT#acme#STATUS#queued']);
    expect(
      requestLeadingKeys({
        RequestItems: { t: [{ PutRequest: { Item: { pk: 'A' } } }, { DeleteRequest: { Key: { pk: { S: 'B' } } } }] },
      }),
    ).toEqual(['A', 'B']);
    expect(requestLeadingKeys({ RequestItems: { t: { Keys: [{ pk: 'C' }] } } })).toEqual(['C']);
    expect(
      requestLeadingKeys({ TransactItems: [{ ConditionCheck: { Key: { pk: 'D' } } }, { Put: { Item: { pk: 'E' } } }] }),
    ).toEqual(['D', 'E']);
    expect(scopeAllows(scopeLeadingKeyPatterns(A), { TableName: 't' })).toBe(false);
  });
});

describe('the route table’s tenantScoped flag', () => {
  it('is set exactly on the routes whose handler runs through tenantApiHandler (it decides the Lambda’s grants)', async () => {
    // Act
    const routes = API_ROUTES.filter((r) => r.roles !== 'public');
    const handlers = await Promise.all(routes.map((r) => r.load()));

    // Assess: a mismatch is an AccessDenied in AWS only (the local guard works either way).
    const scopedHandlers = routes.filter((_, i) => (handlers[i] as { tenantScoped?: true }).tenantScoped);
    expect(scopedHandlers.map((r) => r.operationId).sort()).toEqual(
      routes
        .filter((r) => r.tenantScoped)
        .map((r) => r.operationId)
        .sort(),
    );
    expect(scopedHandlers.length).toBeGreaterThanOrEqual(13);
  });
});

describe('tenant sessions (STS AssumeRole with tags), cached per scope', () => {
  it('keeps at most MAX_CACHED_SCOPES scopes, dropping the oldest first', () => {
    // Prepare
    const cache = new Map<string, number>();

    // Act
    for (let i = 0; i < MAX_CACHED_SCOPES + 10; i += 1) cacheScoped(cache, `t${i}|t${i}`, i);

    // Assess
    expect(cache.size).toBe(MAX_CACHED_SCOPES);
    expect(cache.has('t9|t9')).toBe(false);
    expect(cache.has('t10|t10')).toBe(true);
  });

  const HOUR_MS = 3_600_000;

  function fakeSts(clock: ManualClock) {
    const calls: TenantScope[] = [];
    let fail = false;
    const assume = async (scope: TenantScope): Promise<SessionCredentials> => {
      calls.push(scope);
      await Promise.resolve();
      if (fail) throw new Error('sts down');
      return {
        accessKeyId: `AK${calls.length}`,
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date(clock.nowMs() + HOUR_MS),
      };
    };
    return { calls, assume, failNext: (value: boolean) => (fail = value) };
  }

  it('calls STS once per scope while the session is fresh, even for concurrent first requests', async () => {
    // Prepare
    const clock = new ManualClock(0);
    const sts = fakeSts(clock);
    const cache = new TenantSessionCache(sts.assume, clock);

    // Act
    const first = await Promise.all(Array.from({ length: 20 }, () => cache.credentialsFor(A)));
    clock.advanceMs(50 * 60_000);
    const later = await cache.credentialsFor(A);
    await cache.credentialsFor({ tenantId: 'bolt', auditChain: 'platform' });

    // Assess
    expect(new Set(first.map((c) => c.accessKeyId))).toEqual(new Set(['AK1']));
    expect(later.accessKeyId).toBe('AK1');
    expect(sts.calls).toEqual([A, { tenantId: 'bolt', auditChain: 'platform' }]);
  });

  it('renews a session 5 minutes before it expires, and does not keep a failed AssumeRole', async () => {
    // Prepare
    const clock = new ManualClock(0);
    const sts = fakeSts(clock);
    const cache = new TenantSessionCache(sts.assume, clock);
    await cache.credentialsFor(A);

    // Act
    clock.advanceMs(HOUR_MS - 5 * 60_000);
    sts.failNext(true);
    await expect(cache.credentialsFor(A)).rejects.toThrow('sts down');
    sts.failNext(false);
    const renewed = await cache.credentialsFor(A);

    // Assess
    expect(renewed.accessKeyId).toBe('AK3');
    expect(sts.calls).toHaveLength(3);
  });
});
