import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../../core/support/clock.js';
import { traced } from '../powertools.js';
import { createDocumentClient } from './client.js';
import {
  cacheScoped,
  scopeCacheKey,
  scopedClient,
  TENANT_SCOPE_TAGS,
  type TenantScope,
  type TenantTableClients,
} from './tenant-scope.js';

/**
 * Tenant-scoped table clients in AWS: each scope's client signs with a session of the tenant-data role, assumed with
 * the scope as session tags (`tenantId`, `auditChain`), which the role's policy turns into `dynamodb:LeadingKeys`
 * patterns. A session is cached per scope for the container's life until `refreshBeforeMs` before it expires, and
 * concurrent first requests of a scope share one AssumeRole call. The guard of tenant-scope.ts checks each request
 * too, so a request outside the scope fails the same way here as on the local platform, without a round trip.
 */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** One AssumeRole call for a scope (the port the cache is tested through). */
export type AssumeTenantRole = (scope: TenantScope) => Promise<SessionCredentials>;

/** One hour: the role's default maximum session duration. */
export const TENANT_SESSION_DURATION_S = 3600;
/** The SDK treats credentials within 5 minutes of expiry as expired and asks again; renew at the same point. */
export const TENANT_SESSION_REFRESH_BEFORE_MS = 5 * 60_000;

/** RoleSessionName allows `[\w+=,.@-]`, up to 64 characters; the tenant id is there for CloudTrail readers only. */
const sessionName = (scope: TenantScope) => `tenant-${scope.tenantId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);

export function stsAssumeTenantRole(
  sts: Pick<STSClient, 'send'>,
  roleArn: string,
  durationS = TENANT_SESSION_DURATION_S,
): AssumeTenantRole {
  return async (scope) => {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName(scope),
        DurationSeconds: durationS,
        Tags: [
          { Key: TENANT_SCOPE_TAGS.tenantId, Value: scope.tenantId },
          { Key: TENANT_SCOPE_TAGS.auditChain, Value: scope.auditChain },
        ],
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !Credentials.SessionToken) {
      throw new Error(`AssumeRole ${roleArn} for tenant ${scope.tenantId} returned no credentials`);
    }
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration ?? new Date(0),
    };
  };
}

/** Sessions per scope, reused until `refreshBeforeMs` before they expire; a failed AssumeRole is not cached. */
export class TenantSessionCache {
  private readonly sessions = new Map<string, Promise<SessionCredentials>>();

  constructor(
    private readonly assume: AssumeTenantRole,
    private readonly clock: Clock = systemClock,
    private readonly refreshBeforeMs = TENANT_SESSION_REFRESH_BEFORE_MS,
  ) {}

  async credentialsFor(scope: TenantScope): Promise<SessionCredentials> {
    const key = scopeCacheKey(scope);
    const cached = this.sessions.get(key);
    if (cached) {
      const session = await cached.catch(() => undefined);
      if (session && session.expiration.getTime() - this.refreshBeforeMs > this.clock.nowMs()) return session;
      // Only the first caller to see it stale replaces it; the others wait on the replacement.
      if (this.sessions.get(key) !== cached) return this.credentialsFor(scope);
    }
    const fresh = this.assume(scope);
    cacheScoped(this.sessions, key, fresh);
    fresh.catch(() => {
      if (this.sessions.get(key) === fresh) this.sessions.delete(key);
    });
    return fresh;
  }
}

export interface StsTenantClientsOptions {
  readonly roleArn: string;
  /** @default a new STSClient (regional endpoint from the Lambda's AWS_REGION) */
  readonly assume?: AssumeTenantRole;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Extra DynamoDB client configuration: pass the function's own client's `requestHandler` so every tenant's client
   * shares its connection pool (a new tenant then costs no TLS handshake to DynamoDB); tests and the bench point it
   * at a local endpoint. @default {}
   */
  readonly clientConfig?: DynamoDBClientConfig;
}

export function stsTenantTableClients(options: StsTenantClientsOptions): TenantTableClients {
  const assume = options.assume ?? stsAssumeTenantRole(traced(new STSClient({})), options.roleArn);
  const sessions = new TenantSessionCache(assume, options.clock);
  const clients = new Map<string, DynamoDBDocumentClient>();
  return {
    async forScope(scope) {
      const key = scopeCacheKey(scope);
      let client = clients.get(key);
      if (!client) {
        client = cacheScoped(
          clients,
          key,
          scopedClient(
            createDocumentClient({ ...options.clientConfig, credentials: () => sessions.credentialsFor(scope) }),
            scope,
          ),
        );
      }
      // The session is fetched before the first request so a refused AssumeRole fails here, naming the tenant.
      await sessions.credentialsFor(scope);
      return client;
    },
  };
}
