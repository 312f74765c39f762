import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CursorPosition } from '../../../core/api/pagination.js';
import type { GridEvent } from '../../../core/grid-events/grid-event.js';
import type { GridEventStore } from '../../grid-events/ports.js';
import { cursorAfter, entityOf, type Page, type StoreDeps } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The grid events on the single table. Events are few (a handful a day per site), so they share one platform
 * partition, `GRIDEVENTS` / `EVENT#<id>`, listed newest first (the id starts with the start's epoch ms). Each open
 * event also has a mark in its site's partition, `SITE#<id>` / `GRIDEVENT-OPEN#<kind>`, written and deleted in the
 * same transaction as the event: the recorder finds a site's open events without reading the history.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const PARTITION = 'GRIDEVENTS';
const PREFIX = 'EVENT#';
export const GRID_EVENT_CURSOR_FIELDS = ['sk'] as const;
const eventKey = (id: string) => ({ [PK]: PARTITION, [SK]: `${PREFIX}${id}` });
const openKey = (siteId: string, kind: string) => ({ [PK]: `SITE#${siteId}`, [SK]: `GRIDEVENT-OPEN#${kind}` });
const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };

export class DynamoGridEventStore implements GridEventStore {
  constructor(private readonly deps: StoreDeps) {}

  /** A signal delivered twice (IoT rules deliver at least once) opens its event once: the repeat changes nothing. */
  async open(event: GridEvent): Promise<void> {
    const { tableName } = this.deps;
    try {
      await this.deps.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...eventKey(event.id), ...event }, ...absent } },
            { Put: { TableName: tableName, Item: { ...openKey(event.siteId, event.kind), id: event.id }, ...absent } },
          ],
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException' || !(await this.get(event.id))) throw error;
    }
  }

  /** No open mark: the event has its end already. A plan made twice records its window once. */
  async record(event: GridEvent): Promise<void> {
    try {
      await this.deps.client.send(
        new PutCommand({ TableName: this.deps.tableName, Item: { ...eventKey(event.id), ...event }, ...absent }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async close(id: string, endAt: string): Promise<void> {
    const event = await this.get(id);
    if (!event || event.endAt) return;
    const { tableName } = this.deps;
    try {
      await this.deps.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: eventKey(id),
                UpdateExpression: 'SET #endAt = :endAt',
                ConditionExpression: 'attribute_not_exists(#endAt)',
                ExpressionAttributeNames: { '#endAt': 'endAt' },
                ExpressionAttributeValues: { ':endAt': endAt },
              },
            },
            { Delete: { TableName: tableName, Key: openKey(event.siteId, event.kind) } },
          ],
        }),
      );
    } catch (error) {
      // Closed meanwhile by another recorder: the first end stands.
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
    }
  }

  async openAt(siteId: string): Promise<GridEvent[]> {
    const { Items = [] } = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': `SITE#${siteId}`, ':prefix': 'GRIDEVENT-OPEN#' },
        ConsistentRead: true,
      }),
    );
    const events = await Promise.all(Items.map((item) => this.get(String(item.id))));
    return events.filter((e): e is GridEvent => e !== undefined && !e.endAt);
  }

  async get(id: string): Promise<GridEvent | undefined> {
    const { Item } = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: eventKey(id), ConsistentRead: true }),
    );
    return Item ? entityOf<GridEvent>(Item) : undefined;
  }

  /** Newest first, after `position` (a forged one is DynamoDB's ValidationException: the API answers 400). */
  async list(limit: number, position?: CursorPosition): Promise<Page<GridEvent>> {
    const { Items = [], LastEvaluatedKey } = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': PARTITION, ':prefix': PREFIX },
        ScanIndexForward: false,
        Limit: limit,
        ...(position?.sk ? { ExclusiveStartKey: { [PK]: PARTITION, [SK]: position.sk } } : {}),
      }),
    );
    const nextCursor = cursorAfter(LastEvaluatedKey, GRID_EVENT_CURSOR_FIELDS);
    return { items: Items.map((item) => entityOf<GridEvent>(item)), ...(nextCursor ? { nextCursor } : {}) };
  }
}
