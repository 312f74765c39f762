import {
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type CursorPosition, encodeCursor } from '../../../core/api/pagination.js';
import { TABLE_KEYS } from './table-design.js';

/** What every store of the single table is built from, and the few helpers they all share. */
const { partitionKey: PK, sortKey: SK, gsi1 } = TABLE_KEYS;

export interface StoreDeps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** One item of a TransactWriteItems call (a put, update, delete or condition check), for a caller's transaction. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** True for the error a failed ConditionExpression throws. */
export const isConditionFailure = (error: unknown) => (error as Error)?.name === 'ConditionalCheckFailedException';

/**
 * Sends `write` and `alongside` (a mutation and its audit outbox, auditWrites) in one transaction: both are stored or
 * neither is. A failure of `write`'s own condition throws as `write` alone would: ConditionalCheckFailedException,
 * carrying the item as it was (marshalled) when `write` asks for it with ReturnValuesOnConditionCheckFailure, so
 * callers keep their isConditionFailure handling.
 */
export async function transactWith(
  deps: StoreDeps,
  write: TransactItem,
  alongside: readonly TransactItem[],
): Promise<void> {
  try {
    await deps.client.send(new TransactWriteCommand({ TransactItems: [write, ...alongside] }));
  } catch (error) {
    const [own] = (error as { CancellationReasons?: { Code?: string; Item?: unknown }[] }).CancellationReasons ?? [];
    if ((error as Error).name === 'TransactionCanceledException' && own?.Code === 'ConditionalCheckFailed') {
      throw Object.assign(new Error(`conditional write failed: ${(error as Error).message}`), {
        name: 'ConditionalCheckFailedException',
        Item: own.Item,
      });
    }
    throw error;
  }
}

/** Strips the key attributes from stored items: what is left is the entity. */
export function entityOf<T>(item: Record<string, unknown>): T {
  const { [PK]: _pk, [SK]: _sk, [gsi1.partitionKey]: _g1, [gsi1.sortKey]: _g2, ...entity } = item;
  return entity as T;
}

/** The opaque cursor after `lastKey`, keeping only `fields` (the partition is rebuilt from the caller's scope). */
export function cursorAfter(lastKey: Record<string, unknown> | undefined, fields: readonly string[]) {
  if (!lastKey) return undefined;
  return encodeCursor(Object.fromEntries(fields.map((f) => [f, String(lastKey[f])])) as CursorPosition);
}

/** Every item of `partition` whose sort key starts with `prefix`, all pages, as entities. */
export async function queryAllByPrefix<T>(deps: StoreDeps, partition: string, prefix: string): Promise<T[]> {
  return queryAll<T>(deps, 'begins_with(#sk, :prefix)', { ':pk': partition, ':prefix': prefix });
}

/**
 * Every item of `partition` whose sort key is `<prefix><ISO instant>…` with the instant in [fromMs, toMs], oldest
 * first, all pages, as entities (a site's telemetry batches, its switch history).
 */
export async function queryAllBetween<T>(
  deps: StoreDeps,
  partition: string,
  prefix: string,
  fromMs: number,
  toMs: number,
): Promise<T[]> {
  return queryAll<T>(deps, '#sk BETWEEN :from AND :to', {
    ':pk': partition,
    ':from': `${prefix}${new Date(fromMs).toISOString()}`,
    // `~` sorts after every suffix (gateway id, command id, cause) that follows the instant.
    ':to': `${prefix}${new Date(toMs).toISOString()}~`,
  });
}

async function queryAll<T>(deps: StoreDeps, sortKeyCondition: string, values: Record<string, string>): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: `#pk = :pk AND ${sortKeyCondition}`,
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => entityOf<T>(item)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
