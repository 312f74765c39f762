import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiKey } from '../../../core/api/api-keys.js';
import type { Role } from '../../../core/api/principal.js';
import type { TransactItem } from './dynamo-helpers.js';
import { entityOf, isConditionFailure, queryAllByPrefix, type StoreDeps, transactWith } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * API keys, stored as two items written and revoked together in one transaction:
 * - `TENANT#t` / `APIKEY#<keyId>`: the key's record, for the tenant's admins to list and revoke;
 * - `APIKEYHASH#<sha256>` / `LOOKUP`: what the authorizer reads with only the presented secret in hand. It cannot be
 *   tenant-scoped (the tenant is what it finds out); the hash of a 256-bit random secret is unguessable.
 * The secret itself is never stored.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const keySortKey = (keyId: string) => `APIKEY#${keyId}`;
const lookupKey = (hash: string) => ({ [PK]: `APIKEYHASH#${hash}`, [SK]: 'LOOKUP' });

export interface ApiKeyLookup {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly revoked: boolean;
}

export type RevokeResult =
  | { readonly ok: true; readonly revoked: boolean; readonly key: ApiKey }
  | { readonly ok: false; readonly reason: 'not-found' };

export class DynamoApiKeyStore {
  constructor(private readonly deps: StoreDeps) {}

  /** `alongside`: writes stored with the key or not at all (its audit outbox). */
  async create(key: ApiKey, hash: string, alongside: readonly TransactItem[] = []): Promise<void> {
    const { tableName, client } = this.deps;
    const lookup: ApiKeyLookup = { keyId: key.keyId, tenantId: key.tenantId, role: key.role, revoked: false };
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { [PK]: tenantPartition(key.tenantId), [SK]: keySortKey(key.keyId), ...key, hash },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: { ...lookupKey(hash), ...lookup },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
          ...alongside,
        ],
      }),
    );
  }

  /** What the authorizer needs for a presented secret's hash; undefined when no key has that hash. */
  async lookup(hash: string): Promise<ApiKeyLookup | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: lookupKey(hash), ConsistentRead: true }),
    );
    return Item ? entityOf<ApiKeyLookup>(Item) : undefined;
  }

  /** A tenant's keys, without secrets or hashes. */
  async list(tenantId: string): Promise<ApiKey[]> {
    const items = await queryAllByPrefix<Record<string, unknown>>(this.deps, tenantPartition(tenantId), 'APIKEY#');
    return items.map(publicKey);
  }

  /**
   * Revokes both items at once, with `alongside` (its audit outbox); revoking a revoked key again is a no-op that
   * returns it, with `revoked` false.
   */
  async revoke(
    tenantId: string,
    keyId: string,
    nowIso: string,
    alongside: readonly TransactItem[] = [],
  ): Promise<RevokeResult> {
    const { tableName } = this.deps;
    const Item = await this.record(tenantId, keyId);
    if (!Item) return { ok: false, reason: 'not-found' };
    if (Item.revokedAt) return { ok: true, revoked: false, key: publicKey(Item) };
    try {
      await transactWith(
        this.deps,
        {
          Update: {
            TableName: tableName,
            Key: { [PK]: tenantPartition(tenantId), [SK]: keySortKey(keyId) },
            UpdateExpression: 'SET #revokedAt = :now',
            // Not revoked meanwhile: of two concurrent revokes one writes (and audits), the other is the no-op.
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#revokedAt)',
            ExpressionAttributeNames: { '#pk': PK, '#revokedAt': 'revokedAt' },
            ExpressionAttributeValues: { ':now': nowIso },
          },
        },
        [
          {
            Update: {
              TableName: tableName,
              Key: lookupKey(Item.hash as string),
              UpdateExpression: 'SET #revoked = :true',
              ExpressionAttributeNames: { '#revoked': 'revoked' },
              ExpressionAttributeValues: { ':true': true },
            },
          },
          ...alongside,
        ],
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const again = await this.record(tenantId, keyId);
      return again ? { ok: true, revoked: false, key: publicKey(again) } : { ok: false, reason: 'not-found' };
    }
    return { ok: true, revoked: true, key: publicKey({ ...Item, revokedAt: nowIso }) };
  }

  private async record(tenantId: string, keyId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: { [PK]: tenantPartition(tenantId), [SK]: keySortKey(keyId) },
        ConsistentRead: true,
      }),
    );
    return Item;
  }
}

function publicKey(item: Record<string, unknown>): ApiKey {
  const { hash: _hash, ...key } = entityOf<ApiKey & { hash?: string }>(item);
  return key;
}
