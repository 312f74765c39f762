import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** An RSA signer and its JWKS, so tests mint real RS256 tokens that aws-jwt-verify checks like Cognito's. */
export interface TestSigner {
  readonly kid: string;
  readonly jwks: { keys: Record<string, unknown>[] };
  token(claims: Record<string, unknown>, options?: { kid?: string }): string;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTestSigner(kid = 'test-key-1'): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey as KeyObject).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    jwks: { keys: [jwk] },
    token(claims, options = {}) {
      const signingInput = `${b64url({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? kid })}.${b64url(claims)}`;
      const signature = sign('RSA-SHA256', Buffer.from(signingInput), privateKey).toString('base64url');
      return `${signingInput}.${signature}`;
    },
  };
}

export const nowS = () => Math.floor(Date.now() / 1000);

/** Flips one character of the payload: the signature no longer matches. */
export function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  return `${header}.${b64url({ ...claims, 'custom:role': 'admin' })}.${signature}`;
}
