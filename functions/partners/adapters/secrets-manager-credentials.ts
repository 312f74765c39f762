import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PartnerCredentials } from '../ports.js';

/** Where a partner's key lives: one secret per partner (stacks/constructs/partner-overflow.ts creates them). */
export const partnerSecretName = (prefix: string, partnerId: string) => `${prefix}${partnerId}`;

/** How long a key read is kept: a rotated key is picked up within this. */
const CACHE_MS = 5 * 60_000;

/**
 * Partners' API keys from Secrets Manager, one secret per partner named `<prefix><partnerId>` holding the key as its
 * string; the runner's role may read only these secrets. Cached per container for five minutes.
 */
export function secretsManagerPartnerCredentials(
  client: Pick<SecretsManagerClient, 'send'>,
  prefix: string,
  nowMs: () => number = Date.now,
): PartnerCredentials {
  const cache = new Map<string, { key: string; atMs: number }>();
  return {
    async apiKey(partnerId) {
      const hit = cache.get(partnerId);
      if (hit && nowMs() - hit.atMs < CACHE_MS) return hit.key;
      const out = await client.send(new GetSecretValueCommand({ SecretId: partnerSecretName(prefix, partnerId) }));
      if (!out.SecretString) throw new Error(`the secret of ${partnerId} holds no string`);
      cache.set(partnerId, { key: out.SecretString, atMs: nowMs() });
      return out.SecretString;
    },
  };
}
