import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { PartnerCredentials } from '../ports.js';

/** PARTNER_SECRETS: each partner's secret (its ARN) by partner id, as stacks/constructs/partner-overflow.ts sets it. */
export const partnerSecretsSchema = z.record(z.string(), z.string().min(1));

/** How long a key read is kept: a rotated key is picked up within this. */
const CACHE_MS = 5 * 60_000;

/**
 * Partners' API keys from Secrets Manager, one secret per partner holding the key as its string; the runner's role
 * may read only these secrets. Cached per container for five minutes.
 */
export function secretsManagerPartnerCredentials(
  client: Pick<SecretsManagerClient, 'send'>,
  secretIdByPartner: Readonly<Record<string, string>>,
  nowMs: () => number = Date.now,
): PartnerCredentials {
  const cache = new Map<string, { key: string; atMs: number }>();
  return {
    async apiKey(partnerId) {
      const hit = cache.get(partnerId);
      if (hit && nowMs() - hit.atMs < CACHE_MS) return hit.key;
      const secretId = secretIdByPartner[partnerId];
      if (!secretId) throw new Error(`${partnerId} has no secret in this deployment`);
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (!out.SecretString) throw new Error(`the secret of ${partnerId} holds no string`);
      cache.set(partnerId, { key: out.SecretString, atMs: nowMs() });
      return out.SecretString;
    },
  };
}
