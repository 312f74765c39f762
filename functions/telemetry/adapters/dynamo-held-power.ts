import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type EarningLoad, earningLoad, type HeldPower } from '../../../core/telemetry-history/accrual.js';
import { TABLE_KEYS } from '../../shared/data/table-design.js';
import type { HeldPowerStore } from '../ports.js';

interface HeldItem extends EarningLoad {
  readonly sinceMs: number;
}

/**
 * Access pattern: a site's held power (`SITE#<id>` / `TELEMETRY_HELD`, one item per site): the earning load and
 * instant of its newest batch. `hold` is one conditional put (only a newer batch replaces the item) that returns the
 * item it replaced, so concurrent consumers of one site's batches each get the stretch before their own exactly once;
 * a batch the condition refuses is late, and a consistent read returns what is held instead.
 */
export class DynamoHeldPowerStore implements HeldPowerStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async hold(siteId: string, next: HeldPower): Promise<HeldPower | undefined> {
    const { client, tableName } = this.deps;
    try {
      const { Attributes } = await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...this.key(siteId), ...itemOf(next) },
          ConditionExpression: 'attribute_not_exists(#since) OR #since < :since',
          ExpressionAttributeNames: { '#since': 'sinceMs' },
          ExpressionAttributeValues: { ':since': next.sinceMs },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return heldOf(Attributes);
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: this.key(siteId), ConsistentRead: true }),
      );
      return heldOf(Item);
    }
  }

  async release(siteId: string, next: HeldPower, previous: HeldPower | undefined): Promise<void> {
    const { client, tableName } = this.deps;
    const stillHeld = {
      ConditionExpression: '#since = :since',
      ExpressionAttributeNames: { '#since': 'sinceMs' },
      ExpressionAttributeValues: { ':since': next.sinceMs },
    };
    try {
      if (previous)
        await client.send(
          new PutCommand({ TableName: tableName, Item: { ...this.key(siteId), ...itemOf(previous) }, ...stillHeld }),
        );
      else await client.send(new DeleteCommand({ TableName: tableName, Key: this.key(siteId), ...stillHeld }));
    } catch (error) {
      // A newer batch is held already and accrued from this one: the redelivery is late, and this stretch is lost
      // rather than counted twice.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private key(siteId: string) {
    return { [TABLE_KEYS.partitionKey]: `SITE#${siteId}`, [TABLE_KEYS.sortKey]: 'TELEMETRY_HELD' };
  }
}

function itemOf(held: HeldPower): HeldItem {
  return { sinceMs: held.sinceMs, ...earningLoad(held.power) };
}

function heldOf(item: Record<string, unknown> | undefined): HeldPower | undefined {
  if (!item) return undefined;
  const held = item as unknown as HeldItem;
  return { power: earningLoad(held), sinceMs: held.sinceMs };
}
