import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import type { JwtClaims } from './decide.js';

/** A JSON Web Key Set, as Cognito serves it at `<issuer>/.well-known/jwks.json`. */
export interface Jwks {
  readonly keys: readonly Record<string, unknown>[];
}

export type VerifyJwt = (token: string) => Promise<JwtClaims>;

/**
 * Cognito ID tokens of one user pool and app client (ID tokens carry the custom attributes). aws-jwt-verify fetches
 * and caches the pool's JWKS; `jwks` pre-loads it (tests, or an environment without egress).
 */
export function cognitoJwtVerifier(options: { userPoolId: string; clientId: string; jwks?: Jwks }): VerifyJwt {
  const verifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    clientId: options.clientId,
    tokenUse: 'id',
  });
  if (options.jwks) verifier.cacheJwks(options.jwks as never);
  return (token) => verifier.verify(token) as Promise<JwtClaims>;
}

/** Any issuer with a known JWKS (the local platform's own signer); the same checks of signature, expiry and claims. */
export function jwksJwtVerifier(options: { issuer: string; audience: string; jwks: Jwks }): VerifyJwt {
  const verifier = JwtVerifier.create({
    issuer: options.issuer,
    audience: options.audience,
    jwksUri: `${options.issuer}/.well-known/jwks.json`,
  });
  verifier.cacheJwks(options.jwks as never);
  return (token) => verifier.verify(token) as Promise<JwtClaims>;
}
