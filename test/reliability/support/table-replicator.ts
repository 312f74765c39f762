import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../../../functions/shared/data/table-design.js';

/**
 * A global table's replication between two DynamoDB Local instances, as DynamoDB's multi-Region eventual consistency
 * behaves: every write a region makes is captured (the SDK middleware sees each Put/Update/Delete and each item of a
 * transaction) and applied to the other region later, as the item then is in the source (a stream's NEW_IMAGE), last
 * writer wins. Delay and partitions are the test's: `pump(nowMs)` applies what is due unless the link is cut.
 */

type Key = Record<string, unknown>;
interface Pending {
  readonly key: Key;
  readonly capturedAtMs: number;
  readonly dueAtMs: number;
}

/** When each item (by key) was last written in one region: its own writes and those replicated into it. */
export type WriteTimes = Map<string, number>;

export interface ReplicationLink {
  /** Applies the captured writes due by `nowMs`, in capture order; none while partitioned. Returns how many. */
  pump(nowMs: number): Promise<number>;
  setPartitioned(cut: boolean): void;
  pending(): number;
}

const keyOf = (item: Record<string, unknown> | undefined): Key | undefined =>
  item
    ? { [TABLE_KEYS.partitionKey]: item[TABLE_KEYS.partitionKey], [TABLE_KEYS.sortKey]: item[TABLE_KEYS.sortKey] }
    : undefined;

const keyText = (key: Key) => `${key[TABLE_KEYS.partitionKey]}|${key[TABLE_KEYS.sortKey]}`;

function writtenKeys(commandName: string, input: Record<string, unknown>): Key[] {
  if (commandName === 'PutCommand') return [keyOf(input.Item as Key)!];
  if (commandName === 'UpdateCommand' || commandName === 'DeleteCommand') return [input.Key as Key];
  if (commandName === 'TransactWriteCommand') {
    return (input.TransactItems as Array<Record<string, { Key?: Key; Item?: Key }>>).flatMap((t) => {
      const write = t.Put ?? t.Update ?? t.Delete;
      const key = write ? (write.Key ?? keyOf(write.Item)) : undefined;
      return key ? [key] : [];
    });
  }
  if (commandName === 'BatchWriteCommand') {
    return Object.values(
      input.RequestItems as Record<string, Array<{ PutRequest?: { Item: Key }; DeleteRequest?: { Key: Key } }>>,
    )
      .flat()
      .map((r) => r.DeleteRequest?.Key ?? keyOf(r.PutRequest?.Item)!);
  }
  return [];
}

/** Replicates what `from` writes into `to` (one direction; make two links for a pair of regions). */
export function replicate(options: {
  readonly from: DynamoDBDocumentClient;
  readonly to: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The source region's clock, read when a write is captured. */
  readonly nowMs: () => number;
  /** Simulated replication lag of one write, ms. */
  readonly delayMs: () => number;
  /** A client on the source that nothing captures (the replicator's own reads). */
  readonly sourceReader: DynamoDBDocumentClient;
  /**
   * Last writer wins by write time, as DynamoDB resolves concurrent writes to a global table: a replicated write
   * older than the target's own last write of the item is dropped. Without it, the write applied last wins.
   * @default none (the write applied last wins)
   */
  readonly writeTimes?: { readonly source: WriteTimes; readonly target: WriteTimes };
}): ReplicationLink {
  const queue: Pending[] = [];
  let partitioned = false;
  options.from.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const commandName = (context as { commandName?: string }).commandName ?? '';
      for (const key of writtenKeys(commandName, args.input as Record<string, unknown>)) {
        const capturedAtMs = options.nowMs();
        options.writeTimes?.source.set(keyText(key), capturedAtMs);
        queue.push({ key, capturedAtMs, dueAtMs: capturedAtMs + options.delayMs() });
      }
      return result;
    },
    { step: 'initialize', name: 'hcpReplicationCapture' },
  );
  return {
    setPartitioned(cut) {
      partitioned = cut;
    },
    pending: () => queue.length,
    async pump(nowMs) {
      if (partitioned) return 0;
      let applied = 0;
      // In capture order, as a stream shard delivers them; stop at the first write not yet due.
      while (queue.length > 0 && queue[0]!.dueAtMs <= nowMs) {
        const { key, capturedAtMs } = queue.shift()!;
        const target = options.writeTimes?.target;
        if (target && (target.get(keyText(key)) ?? Number.NEGATIVE_INFINITY) > capturedAtMs) continue;
        target?.set(keyText(key), capturedAtMs);
        const { Item } = await options.sourceReader.send(
          new GetCommand({ TableName: options.tableName, Key: key, ConsistentRead: true }),
        );
        if (Item) await options.to.send(new PutCommand({ TableName: options.tableName, Item }));
        else await options.to.send(new DeleteCommand({ TableName: options.tableName, Key: key }));
        applied++;
      }
      return applied;
    },
  };
}
