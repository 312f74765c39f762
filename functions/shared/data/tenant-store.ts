import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CursorPosition } from '../../../core/api/pagination.js';
import type { Tenant, UserRole } from '../../../core/api/tenants.js';
import type { TransactItem } from './dynamo-helpers.js';
import {
  cursorAfter,
  entityOf,
  isConditionFailure,
  type Page,
  type StoreDeps,
  transactWith,
} from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * Tenants and their users' roles. Every item of a tenant lives in its partition `TENANT#<id>`; the tenant list is
 * the one cross-tenant access pattern, served by gsi1 (`TENANTS` / tenant id), for admins only.
 */
const { partitionKey: PK, sortKey: SK, gsi1 } = TABLE_KEYS;
export const tenantPartition = (tenantId: string) => `TENANT#${tenantId}`;
const PROFILE = 'PROFILE';
const TENANT_LIST = 'TENANTS';
const userSortKey = (userId: string) => `USER#${userId}`;

export class DynamoTenantStore {
  constructor(private readonly deps: StoreDeps) {}

  /** False when the tenant id is taken. `alongside`: writes stored with it or not at all (its audit outbox). */
  async create(tenant: Tenant, alongside: readonly TransactItem[] = []): Promise<boolean> {
    try {
      await transactWith(
        this.deps,
        {
          Put: {
            TableName: this.deps.tableName,
            Item: {
              [PK]: tenantPartition(tenant.tenantId),
              [SK]: PROFILE,
              [gsi1.partitionKey]: TENANT_LIST,
              [gsi1.sortKey]: tenant.tenantId,
              ...tenant,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          },
        },
        alongside,
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: { [PK]: tenantPartition(tenantId), [SK]: PROFILE } }),
    );
    return Item ? tenantOf(Item) : undefined;
  }

  /** Every tenant, all pages (operators' fleet-wide figures). */
  async listAll(): Promise<Tenant[]> {
    const tenants: Tenant[] = [];
    let after: CursorPosition | undefined;
    do {
      const page = await this.list(100, after);
      tenants.push(...page.items);
      const last = page.items.at(-1);
      after = page.nextCursor && last ? { tenantId: last.tenantId } : undefined;
    } while (after);
    return tenants;
  }

  /** Tenants by id; `after` is a decoded cursor from a previous page. */
  async list(limit: number, after?: CursorPosition): Promise<Page<Tenant>> {
    const { Items = [], LastEvaluatedKey } = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        IndexName: gsi1.name,
        KeyConditionExpression: '#gpk = :list',
        ExpressionAttributeNames: { '#gpk': gsi1.partitionKey },
        ExpressionAttributeValues: { ':list': TENANT_LIST },
        Limit: limit,
        ...(after
          ? {
              ExclusiveStartKey: {
                [gsi1.partitionKey]: TENANT_LIST,
                [gsi1.sortKey]: after.tenantId,
                [PK]: tenantPartition(after.tenantId!),
                [SK]: PROFILE,
              },
            }
          : {}),
      }),
    );
    const nextCursor = LastEvaluatedKey
      ? cursorAfter({ tenantId: LastEvaluatedKey[gsi1.sortKey] }, ['tenantId'])
      : undefined;
    return { items: Items.map(tenantOf), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * The value of the tenant's API Gateway API key (not a customer credential: the authorizer returns it as
   * usageIdentifierKey so the tenant's usage plan throttles it). Set out of band, see docs/API.md.
   */
  async usageKey(tenantId: string): Promise<string | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: { [PK]: tenantPartition(tenantId), [SK]: PROFILE },
        ProjectionExpression: 'usageKey',
      }),
    );
    return typeof Item?.usageKey === 'string' ? Item.usageKey : undefined;
  }

  /** `alongside`: writes stored with it or not at all (its audit outbox). */
  async putUserRole(user: UserRole, alongside: readonly TransactItem[] = []): Promise<void> {
    await transactWith(
      this.deps,
      {
        Put: {
          TableName: this.deps.tableName,
          Item: { [PK]: tenantPartition(user.tenantId), [SK]: userSortKey(user.userId), ...user },
        },
      },
      alongside,
    );
  }

  /** The role an admin set for this user in this tenant, if any (the authorizer prefers it to the token's claim). */
  async getUserRole(tenantId: string, userId: string): Promise<UserRole | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: { [PK]: tenantPartition(tenantId), [SK]: userSortKey(userId) },
      }),
    );
    return Item ? entityOf<UserRole>(Item) : undefined;
  }
}

/** The tenant as the API shows it: never its usage key. */
function tenantOf(item: Record<string, unknown>): Tenant {
  const { usageKey: _usageKey, ...tenant } = entityOf<Tenant & { usageKey?: string }>(item);
  return tenant;
}
