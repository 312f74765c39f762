import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ANCILLARY_HISTORY_FIELDS, type MarketHistoryPoint } from '../../../core/market-data/history.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The market history the deployed planner forecasts from, per node and interval, filled by market ingestion and kept
 * MARKET_HISTORY_RETENTION_DAYS (the ridge forecaster trains on 28 days and reads a week-ago lag before them).
 */
export interface MarketHistoryStore {
  /** Adds or updates points; a field a point leaves out keeps its stored value. */
  append(node: string, points: readonly MarketHistoryPoint[]): Promise<void>;
  /** Points with `fromMs <= intervalStartMs < toMs`, oldest first. */
  read(node: string, fromMs: number, toMs: number): Promise<MarketHistoryPoint[]>;
}

export const MARKET_HISTORY_RETENTION_DAYS = 40;

const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const FIELDS = [
  'rtUsdPerMwh',
  'daUsdPerMwh',
  'temperatureC',
  'systemLoadMw',
  ...Object.values(ANCILLARY_HISTORY_FIELDS),
] as const satisfies ReadonlyArray<Exclude<keyof MarketHistoryPoint, 'intervalStartMs'>>;
const APPEND_CONCURRENCY = 16;
const sortKey = (atMs: number) => `AT#${new Date(atMs).toISOString()}`;

/** Access pattern: a node's history by interval (`MARKETHIST#<node>` / `AT#<iso>`), a range per dispatch. */
export class DynamoMarketHistoryStore implements MarketHistoryStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async append(node: string, points: readonly MarketHistoryPoint[]): Promise<void> {
    const { client, tableName } = this.deps;
    const update = (point: MarketHistoryPoint) => {
      const set = FIELDS.filter((f) => point[f] !== undefined);
      return client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [PK]: `MARKETHIST#${node}`, [SK]: sortKey(point.intervalStartMs) },
          UpdateExpression: `SET ${['#ttl = :ttl', ...set.map((f) => `#${f} = :${f}`)].join(', ')}`,
          ExpressionAttributeNames: { '#ttl': ttlAttribute, ...Object.fromEntries(set.map((f) => [`#${f}`, f])) },
          ExpressionAttributeValues: {
            ':ttl': Math.ceil(point.intervalStartMs / 1000) + MARKET_HISTORY_RETENTION_DAYS * 86_400,
            ...Object.fromEntries(set.map((f) => [`:${f}`, point[f]])),
          },
        }),
      );
    };
    // An update per point (fields merge into what is stored), a bounded number in flight.
    for (let i = 0; i < points.length; i += APPEND_CONCURRENCY) {
      await Promise.all(points.slice(i, i + APPEND_CONCURRENCY).map(update));
    }
  }

  async read(node: string, fromMs: number, toMs: number): Promise<MarketHistoryPoint[]> {
    const { client, tableName } = this.deps;
    const points: MarketHistoryPoint[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: {
            ':pk': `MARKETHIST#${node}`,
            ':from': sortKey(fromMs),
            ':to': sortKey(toMs - 1),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        points.push({
          intervalStartMs: Date.parse(String(item[SK]).slice('AT#'.length)),
          ...Object.fromEntries(FIELDS.filter((f) => typeof item[f] === 'number').map((f) => [f, item[f] as number])),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return points;
  }
}

/** The same store in memory: the backtest's replay of the deployed planner and unit tests. */
export class InMemoryMarketHistoryStore implements MarketHistoryStore {
  private readonly byNode = new Map<string, Map<number, MarketHistoryPoint>>();

  async append(node: string, points: readonly MarketHistoryPoint[]): Promise<void> {
    const series = this.byNode.get(node) ?? new Map<number, MarketHistoryPoint>();
    this.byNode.set(node, series);
    for (const point of points) {
      const defined = Object.fromEntries(Object.entries(point).filter(([, v]) => v !== undefined));
      series.set(point.intervalStartMs, { ...series.get(point.intervalStartMs), ...defined } as MarketHistoryPoint);
    }
  }

  async read(node: string, fromMs: number, toMs: number): Promise<MarketHistoryPoint[]> {
    const series = this.byNode.get(node);
    if (!series) return [];
    return [...series.values()]
      .filter((p) => p.intervalStartMs >= fromMs && p.intervalStartMs < toMs)
      .sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  }
}
