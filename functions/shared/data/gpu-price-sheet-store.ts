import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type GpuPriceSheet, gpuPriceSheetSchema } from '../../../core/market/gpu-price-sheet.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import type { TransactItem } from './dynamo-helpers.js';
import { transactWith } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/** The operator's GPU price sheet: read by dispatch (demand terms) and the API. */
export interface GpuPriceSheetStore {
  get(): Promise<GpuPriceSheet | undefined>;
  /** `alongside`: writes stored with the sheet or not at all (its audit outbox). */
  put(sheet: GpuPriceSheet, alongside?: readonly TransactItem[]): Promise<void>;
}

/** Access pattern: the one current sheet (`MARKET` / `GPU_PRICES`), replaced whole on each PUT. */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const KEY = { [PK]: 'MARKET', [SK]: 'GPU_PRICES' };

export class DynamoGpuPriceSheetStore implements GpuPriceSheetStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async get(): Promise<GpuPriceSheet | undefined> {
    const { Item } = await this.deps.client.send(new GetCommand({ TableName: this.deps.tableName, Key: KEY }));
    return typeof Item?.sheet === 'string'
      ? parseOrThrow(gpuPriceSheetSchema, JSON.parse(Item.sheet), 'stored GPU price sheet')
      : undefined;
  }

  async put(sheet: GpuPriceSheet, alongside: readonly TransactItem[] = []): Promise<void> {
    const body = JSON.stringify(parseOrThrow(gpuPriceSheetSchema, sheet, 'GPU price sheet'));
    await transactWith(
      this.deps,
      { Put: { TableName: this.deps.tableName, Item: { ...KEY, sheet: body } } },
      alongside,
    );
  }
}
