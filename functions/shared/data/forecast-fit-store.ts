import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { RidgeFit } from '../../../core/forecast/ridge.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { TABLE_KEYS } from './table-design.js';

/** A node's price-forecast fit made by the scheduled refit: the coefficients, their fit window, when it ran. */
export interface StoredForecastFit {
  readonly node: string;
  readonly fittedAtMs: number;
  readonly fit: RidgeFit;
}

export interface ForecastFitStore {
  put(fit: StoredForecastFit): Promise<void>;
  latest(node: string): Promise<StoredForecastFit | undefined>;
}

const linearModelSchema = z
  .strictObject({ weights: z.array(z.number()), means: z.array(z.number()), scales: z.array(z.number()) })
  .nullable();
const storedFitSchema = z.strictObject({
  node: z.string().min(1),
  fittedAtMs: z.number().int(),
  fit: z.strictObject({
    refitAtMs: z.number().int(),
    fitFromMs: z.number().int(),
    stepMinutes: z.number().int().positive(),
    models: z.strictObject({ byBucket: z.array(linearModelSchema), spike: linearModelSchema }),
  }),
});

/** Kept past the fit's use so an operator can see the last one; a fresh one replaces it every refit. */
const FIT_TTL_S = 7 * 86_400;
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;

/** Access pattern: a node's newest fit (`FORECASTFIT#<node>` / `LATEST`), read by every dispatch. */
export class DynamoForecastFitStore implements ForecastFitStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async put(fit: StoredForecastFit): Promise<void> {
    const { client, tableName } = this.deps;
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          [PK]: `FORECASTFIT#${fit.node}`,
          [SK]: 'LATEST',
          body: JSON.stringify(fit),
          [ttlAttribute]: Math.ceil(fit.fittedAtMs / 1000) + FIT_TTL_S,
        },
      }),
    );
  }

  async latest(node: string): Promise<StoredForecastFit | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(
      new GetCommand({ TableName: tableName, Key: { [PK]: `FORECASTFIT#${node}`, [SK]: 'LATEST' } }),
    );
    const body = result.Item?.body;
    return typeof body === 'string'
      ? parseOrThrow(storedFitSchema, JSON.parse(body), `forecast fit ${node}`)
      : undefined;
  }
}

export class InMemoryForecastFitStore implements ForecastFitStore {
  private readonly fits = new Map<string, StoredForecastFit>();

  async put(fit: StoredForecastFit): Promise<void> {
    this.fits.set(fit.node, fit);
  }

  async latest(node: string): Promise<StoredForecastFit | undefined> {
    return this.fits.get(node);
  }
}
