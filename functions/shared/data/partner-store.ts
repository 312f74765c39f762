import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type PartnerCatalogue, partnerCatalogueSchema } from '../../../core/partners/catalogue.js';
import { type PartnerSettings, partnerSettingsSchema } from '../../../core/partners/settings.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import type { TransactItem } from './dynamo-helpers.js';
import { transactWith } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';
import { tenantPartition } from './tenant-store.js';

/**
 * Partner overflow's data, replaced whole on each PUT, each stored as one JSON attribute:
 * - the platform's partner catalogue: `PARTNERS` / `CATALOGUE` (the router and the partner runner read it);
 * - a tenant's partner settings, beside its other items: `TENANT#t` / `PARTNER_SETTINGS` (the router reads it).
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const CATALOGUE_KEY = { [PK]: 'PARTNERS', [SK]: 'CATALOGUE' };
const settingsKey = (tenantId: string) => ({ [PK]: tenantPartition(tenantId), [SK]: 'PARTNER_SETTINGS' });

type Deps = { readonly client: DynamoDBDocumentClient; readonly tableName: string };

async function getJson(deps: Deps, key: Record<string, string>): Promise<unknown> {
  const { Item } = await deps.client.send(new GetCommand({ TableName: deps.tableName, Key: key }));
  return typeof Item?.json === 'string' ? JSON.parse(Item.json) : undefined;
}

async function putJson(deps: Deps, key: Record<string, string>, value: unknown, alongside: readonly TransactItem[]) {
  await transactWith(
    deps,
    { Put: { TableName: deps.tableName, Item: { ...key, json: JSON.stringify(value) } } },
    alongside,
  );
}

export class DynamoPartnerCatalogueStore {
  constructor(private readonly deps: Deps) {}

  async get(): Promise<PartnerCatalogue | undefined> {
    const value = await getJson(this.deps, CATALOGUE_KEY);
    return value === undefined ? undefined : parseOrThrow(partnerCatalogueSchema, value, 'stored partner catalogue');
  }

  async partners() {
    return (await this.get())?.partners ?? [];
  }

  /** `alongside`: writes stored with the catalogue or not at all (its audit outbox). */
  async put(catalogue: PartnerCatalogue, alongside: readonly TransactItem[] = []): Promise<void> {
    await putJson(
      this.deps,
      CATALOGUE_KEY,
      parseOrThrow(partnerCatalogueSchema, catalogue, 'partner catalogue'),
      alongside,
    );
  }
}

export class DynamoPartnerSettingsStore {
  constructor(private readonly deps: Deps) {}

  async get(tenantId: string): Promise<PartnerSettings | undefined> {
    const value = await getJson(this.deps, settingsKey(tenantId));
    return value === undefined ? undefined : parseOrThrow(partnerSettingsSchema, value, 'stored partner settings');
  }

  async put(settings: PartnerSettings, alongside: readonly TransactItem[] = []): Promise<void> {
    const valid = parseOrThrow(partnerSettingsSchema, settings, 'partner settings');
    await putJson(this.deps, settingsKey(settings.tenantId), valid, alongside);
  }
}
