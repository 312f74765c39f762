import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stringLike } from '../../../core/support/string-like.js';
import { shardPartition } from './audit-log.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * Tenant-scoped table access (#23 item 5). A tenant route does its reads and writes with credentials that reach only
 * the partitions of one tenant: in AWS a session of the tenant-data role, assumed with session tags, whose policy
 * conditions `dynamodb:LeadingKeys` on the tags (stacks/constructs/tenant-data-role.ts); locally, and in AWS as a
 * second check, a guard on the client that refuses any request outside the same patterns before it is sent.
 *
 * What a scope reaches, by partition key (table-design.ts):
 * - `TENANT#<tenantId>`: the tenant's profile, users, API key records, workloads, jobs, usage, idempotency records
 *   and webhook (its secret included: only the tenant's own sessions read it);
 * - `TENANT#<tenantId>#*`: the tenant's gsi1 partitions (workloads by status), for index queries;
 * - `AUDIT#<auditChain>` and `AUDIT#<auditChain>#*`: the audit chain the caller's events go to (the caller's own
 *   tenant: a customer's is its tenant, an admin acting on a customer's webhook writes to the platform's).
 * Tenant ids have no `#`, `*` or `?` (idSchema), so `TENANT#t1#*` never matches `TENANT#t10`.
 *
 * What it does not reach, and so stays on the function's own role: the API key lookup items (`APIKEYHASH#<hash>`,
 * which the authorizer reads knowing only the secret), the tenant list (gsi1 `TENANTS`), sites, plans and the router's
 * queues.
 */
export interface TenantScope {
  /** The tenant whose data the session reads and writes. */
  readonly tenantId: string;
  /** The audit chain the session's events go to: the calling principal's tenant. */
  readonly auditChain: string;
}

/** The session tags the tenant-data role's policy reads (`aws:PrincipalTag/<name>`). */
export const TENANT_SCOPE_TAGS = { tenantId: 'tenantId', auditChain: 'auditChain' } as const;

/** The partition keys a scope may lead with, as IAM `StringLike` patterns. */
export function scopeLeadingKeyPatterns(scope: TenantScope): string[] {
  const tenant = tenantPartition(scope.tenantId);
  const audit = shardPartition(scope.auditChain, 0);
  return [tenant, `${tenant}#*`, audit, `${audit}#*`];
}

/** The same patterns with IAM policy variables in place of the values: what the tenant-data role's policy holds. */
export const POLICY_LEADING_KEY_PATTERNS = scopeLeadingKeyPatterns({
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM's policy variable, literally as it appears in policies
  tenantId: '${aws:PrincipalTag/tenantId}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IAM's policy variable, literally as it appears in policies
  auditChain: '${aws:PrincipalTag/auditChain}',
});

type Attributes = Record<string, unknown>;

/** A key attribute as the document client holds it (a string) or as the low-level client does (`{ S }`). */
function keyValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The value a Query's key condition gives the (table's or index's) partition key attribute. */
function queryLeadingKey(input: Attributes): string | undefined {
  const attribute = input.IndexName ? TABLE_KEYS.gsi1.partitionKey : TABLE_KEYS.partitionKey;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  for (const match of String(input.KeyConditionExpression).matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const [, name = '', placeholder = ''] = match;
    if ((names[name] ?? name) === attribute) return keyValue(values[placeholder]);
  }
  return undefined;
}

/**
 * The partition key values a request leads with, read from its input's shape (item, key, key condition, batch or
 * transaction items); empty for a request that names none (a Scan), which no scope allows.
 */
export function requestLeadingKeys(input: Attributes): (string | undefined)[] {
  const pk = (item: unknown) => keyValue((item as Attributes | undefined)?.[TABLE_KEYS.partitionKey]);
  if (Array.isArray(input.TransactItems)) {
    return (input.TransactItems as Attributes[]).map((entry) => {
      const [op] = Object.values(entry) as Attributes[];
      return pk(op?.Item ?? op?.Key);
    });
  }
  if (input.RequestItems) {
    return Object.values(input.RequestItems as Record<string, unknown>).flatMap((requests) =>
      Array.isArray(requests)
        ? requests.map((r: Attributes) =>
            pk((r.PutRequest as Attributes)?.Item ?? (r.DeleteRequest as Attributes)?.Key),
          )
        : ((requests as { Keys?: unknown[] }).Keys ?? []).map(pk),
    );
  }
  if (input.KeyConditionExpression) return [queryLeadingKey(input)];
  if (input.Key) return [pk(input.Key)];
  if (input.Item) return [pk(input.Item)];
  return [];
}

/** True when the request leads only with partition keys the patterns allow (and names at least one). */
export function scopeAllows(patterns: readonly string[], input: Attributes): boolean {
  const keys = requestLeadingKeys(input);
  return (
    keys.length > 0 && keys.every((key) => key !== undefined && patterns.some((pattern) => stringLike(pattern, key)))
  );
}

/** What a refused request throws: the name DynamoDB gives a request IAM denies. */
export class TenantScopeDenied extends Error {
  constructor(scope: TenantScope, keys: readonly (string | undefined)[]) {
    super(
      `tenant scope ${scope.tenantId} (audit ${scope.auditChain}) may not access partition ` +
        `${keys.map((k) => k ?? '(none)').join(', ') || '(none: a request without a partition key)'}`,
    );
    this.name = 'AccessDeniedException';
  }
}

/**
 * `client` restricted to `scope`: a request outside it throws TenantScopeDenied before anything is sent. The result
 * shares the client's connections and middleware (fault injection included); only `send` is checked.
 */
export function scopedClient(client: DynamoDBDocumentClient, scope: TenantScope): DynamoDBDocumentClient {
  const patterns = scopeLeadingKeyPatterns(scope);
  const send = client.send.bind(client) as (command: { input: Attributes }, ...rest: unknown[]) => Promise<unknown>;
  return Object.create(client, {
    send: {
      value: (command: { input: Attributes }, ...rest: unknown[]) => {
        if (!scopeAllows(patterns, command.input)) {
          return Promise.reject(new TenantScopeDenied(scope, requestLeadingKeys(command.input)));
        }
        return send(command, ...rest);
      },
    },
  }) as DynamoDBDocumentClient;
}

/** Where tenant routes get their table client for a scope: STS sessions in AWS, the guard alone locally. */
export interface TenantTableClients {
  forScope(scope: TenantScope): Promise<DynamoDBDocumentClient>;
}

/** The local platform's and the tests' tenant clients: `client` behind the guard, the same rule IAM applies in AWS. */
export function guardedTenantClients(client: DynamoDBDocumentClient): TenantTableClients {
  return { forScope: async (scope) => scopedClient(client, scope) };
}

export const scopeCacheKey = (scope: TenantScope) => `${scope.tenantId}|${scope.auditChain}`;

/** Scopes a container keeps clients and sessions for; past it the oldest is dropped (made again if used again). */
export const MAX_CACHED_SCOPES = 500;

/** `cache.set(key, value)`, dropping the oldest entries past MAX_CACHED_SCOPES (a Map iterates in insertion order). */
export function cacheScoped<V>(cache: Map<string, V>, key: string, value: V): V {
  cache.set(key, value);
  for (const oldest of cache.keys()) {
    if (cache.size <= MAX_CACHED_SCOPES) break;
    cache.delete(oldest);
  }
  return value;
}
