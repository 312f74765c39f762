import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type MarketSnapshot, marketSnapshotSchema } from '../../../core/model/market.js';
import { parseOrThrow } from '../../../core/support/validation.js';
import { isConditionFailure } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/** The stored snapshots: the newest one feeds dispatch, the API's market view reads it too. */
export interface MarketSnapshotStore {
  put(snapshot: MarketSnapshot): Promise<void>;
  latest(): Promise<MarketSnapshot | undefined>;
}

/**
 * Access patterns: the newest market snapshot (`MARKET` / `LATEST`), read by dispatch and the API; and each
 * snapshot by interval start (`MARKET` / `AT#<iso>`), kept 35 days for plan-versus-actual and revenue views.
 */
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const HISTORY_TTL_S = 35 * 24 * 3600;

export class DynamoMarketSnapshotStore implements MarketSnapshotStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async put(snapshot: MarketSnapshot): Promise<void> {
    const { client, tableName } = this.deps;
    const body = JSON.stringify(parseOrThrow(marketSnapshotSchema, snapshot, 'market snapshot'));
    const expires = Math.ceil(Date.parse(snapshot.at) / 1000) + HISTORY_TTL_S;
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { [PK]: 'MARKET', [SK]: `AT#${snapshot.at}`, at: snapshot.at, snapshot: body, [ttlAttribute]: expires },
      }),
    );
    // Only a newer snapshot moves LATEST: a late backfill never replaces the current one.
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { [PK]: 'MARKET', [SK]: 'LATEST', at: snapshot.at, snapshot: body },
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': snapshot.at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async latest(): Promise<MarketSnapshot | undefined> {
    const { client, tableName } = this.deps;
    const result = await client.send(new GetCommand({ TableName: tableName, Key: { [PK]: 'MARKET', [SK]: 'LATEST' } }));
    const body = result.Item?.snapshot;
    return typeof body === 'string'
      ? parseOrThrow(marketSnapshotSchema, JSON.parse(body), 'stored market snapshot')
      : undefined;
  }
}
