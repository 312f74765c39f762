import { type PoolDeployment, poolDeploymentSchema } from '../../../core/serving/pool-deployment.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { queryAllByPrefix, type StoreDeps, type TransactItem, transactWith } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/** Which model version each GPU pool of a site serves (core/serving/pool-deployment.ts). */
export interface PoolDeploymentStore {
  list(siteId: string): Promise<PoolDeployment[]>;
  /** `alongside`: writes stored with it or not at all (its audit outbox). */
  put(deployment: PoolDeployment, alongside?: readonly TransactItem[]): Promise<void>;
}

/** Access pattern: a site's deployments in its partition, `SITE#<id>` / `DEPLOYMENT#<poolId>`, read together. */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;

export class DynamoPoolDeploymentStore implements PoolDeploymentStore {
  constructor(private readonly deps: StoreDeps) {}

  async list(siteId: string): Promise<PoolDeployment[]> {
    const items = await queryAllByPrefix<{ deployment: string }>(this.deps, `SITE#${siteId}`, 'DEPLOYMENT#');
    return items.map((item) => parseOrThrow(poolDeploymentSchema, JSON.parse(item.deployment), 'stored deployment'));
  }

  async put(deployment: PoolDeployment, alongside: readonly TransactItem[] = []): Promise<void> {
    const body = JSON.stringify(parseOrThrow(poolDeploymentSchema, deployment, 'deployment'));
    const key = { [PK]: `SITE#${deployment.siteId}`, [SK]: `DEPLOYMENT#${deployment.poolId}` };
    await transactWith(
      this.deps,
      { Put: { TableName: this.deps.tableName, Item: { ...key, deployment: body } } },
      alongside,
    );
  }
}
