import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { backoffMs, retryAfterMs } from '../../../functions/market/adapters/ercot-public-api.js';
import { SecretsManagerErcotCredentials } from '../../../functions/market/adapters/secrets-manager-credentials.js';

describe('ERCOT client retry timing', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    // Act / Assess
    const nowMs = Date.parse('2026-11-28T20:50:00Z');
    expect(retryAfterMs('12', nowMs)).toBe(12_000);
    expect(retryAfterMs('Sat, 28 Nov 2026 20:50:30 GMT', nowMs)).toBe(30_000);
    expect(retryAfterMs('soon', nowMs)).toBeUndefined();
    expect(retryAfterMs(null, nowMs)).toBeUndefined();
  });

  it('doubles the backoff per attempt up to the cap, jittered within its upper half', () => {
    // Act / Assess
    expect([0, 1, 2, 3].map((attempt) => backoffMs(attempt, 0, 1000, 60_000))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(3, 0.999_999, 1000, 60_000)).toBeCloseTo(8000, 0);
    expect(backoffMs(20, 1, 1000, 60_000)).toBe(60_000);
  });
});

describe('ERCOT credentials from Secrets Manager', () => {
  const reader = (secretString: string | undefined) => {
    const calls: string[] = [];
    return {
      calls,
      client: {
        send: async (command: GetSecretValueCommand) => {
          calls.push(String(command.input.SecretId));
          return { SecretString: secretString };
        },
      },
    };
  };

  it('reads the secret once per container', async () => {
    // Prepare
    const { client, calls } = reader('{"subscriptionKey":"k","username":"u","password":"p"}');
    const credentials = new SecretsManagerErcotCredentials({ client, secretId: 'arn:secret' });

    // Act
    await credentials.credentials();
    const second = await credentials.credentials();

    // Assess
    expect(second).toEqual({ subscriptionKey: 'k', username: 'u', password: 'p' });
    expect(calls).toEqual(['arn:secret']);
  });

  it('names the missing field of a malformed secret, and reads again next time', async () => {
    // Prepare
    const { client, calls } = reader('{"subscriptionKey":"k","username":"u"}');
    const credentials = new SecretsManagerErcotCredentials({ client, secretId: 'arn:secret' });

    // Act / Assess
    await expect(credentials.credentials()).rejects.toThrow(/password/);
    await expect(credentials.credentials()).rejects.toThrow(/password/);
    expect(calls).toHaveLength(2);
  });
});
