import { type ModelVersionView, modelVersionViewSchema } from '../../../core/gpu/model-catalog.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { queryAllByPrefix, type StoreDeps, type TransactItem, transactWith } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/** The model catalog's registered versions (core/gpu/model-catalog.ts); the seed versions are not stored. */
export interface ModelCatalogStore {
  /** Every registered version, oldest registration first (so the last of a model is its newest). */
  list(): Promise<ModelVersionView[]>;
  /** `alongside`: writes stored with the version or not at all (its audit outbox). */
  put(version: ModelVersionView, alongside?: readonly TransactItem[]): Promise<void>;
}

/**
 * Access pattern: the whole catalog in one platform partition, `MODELCATALOG` / `MODEL#<org/name>#VERSION#<v>`, read
 * at once (tens of versions); a PUT replaces its version whole.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const PARTITION = 'MODELCATALOG';
const PREFIX = 'MODEL#';

export class DynamoModelCatalogStore implements ModelCatalogStore {
  constructor(private readonly deps: StoreDeps) {}

  async list(): Promise<ModelVersionView[]> {
    const items = await queryAllByPrefix<{ entry: string }>(this.deps, PARTITION, PREFIX);
    return items
      .map((item) => parseOrThrow(modelVersionViewSchema, JSON.parse(item.entry), 'stored model version'))
      .sort((a, b) => (a.registeredAt ?? '').localeCompare(b.registeredAt ?? ''));
  }

  async put(version: ModelVersionView, alongside: readonly TransactItem[] = []): Promise<void> {
    const entry = JSON.stringify(parseOrThrow(modelVersionViewSchema, version, 'model version'));
    const key = { [PK]: PARTITION, [SK]: `${PREFIX}${version.modelId}#VERSION#${version.version}` };
    await transactWith(this.deps, { Put: { TableName: this.deps.tableName, Item: { ...key, entry } } }, alongside);
  }
}
