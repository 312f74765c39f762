import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AuditEntry,
  type AuditEvent,
  type ChainVerification,
  chainEntry,
  verifyChain,
} from '../../../core/api/audit.js';
import type { CursorPosition } from '../../../core/api/pagination.js';
import type { Clock } from '../../../core/support/clock.js';
import { cursorAfter, entityOf, type Page, queryAllByPrefix, type StoreDeps } from './dynamo-helpers.js';
import type { TransactItem } from './idempotency.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The hash-chained audit log in DynamoDB. A chain is `AUDIT#<chain>`: entries at `ENTRY#<seq, zero-padded>` and a
 * head item `HEAD` with the last seq and hash. An append writes entry n+1 and moves the head from n to n+1 in one
 * transaction conditioned on the head still being at n, so two concurrent appends cannot both extend the same entry
 * (the chain cannot fork); the loser reads the new head and tries again.
 *
 * An event that must be recorded once whatever retries its writer (a switch commit retried by Step Functions) carries
 * a once-key: the same transaction writes a marker `ONCE#<key>` naming the entry's seq, conditioned on its absence, so
 * a repeat finds the marker and returns the entry already chained instead of appending another.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
const chainPartition = (chain: string) => `AUDIT#${chain}`;
const entrySortKey = (seq: number) => `ENTRY#${String(seq).padStart(12, '0')}`;
const headKey = (chain: string) => ({ [PK]: chainPartition(chain), [SK]: 'HEAD' });
const onceKey = (chain: string, key: string) => ({ [PK]: chainPartition(chain), [SK]: `ONCE#${key}` });
const MAX_APPEND_ATTEMPTS = 40;
const RETRY_BASE_MS = 5;
const RETRY_CAP_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface AuditDeps extends StoreDeps {
  readonly clock: Clock;
}

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export async function readHead(deps: StoreDeps, chain: string): Promise<ChainHead | undefined> {
  const { Item } = await deps.client.send(
    new GetCommand({ TableName: deps.tableName, Key: headKey(chain), ConsistentRead: true }),
  );
  return Item ? { seq: Item.seq as number, hash: Item.hash as string } : undefined;
}

export interface AppendOptions {
  /**
   * Records the event at most once per chain and key (e.g. `switch.commit/<site>/<commandId>`): a repeat returns the
   * entry appended the first time. @default none: every call appends
   */
  readonly onceKey?: string;
}

/**
 * Appends one event to a chain (default: the event's tenant) and returns the stored entry. Exported for every
 * writer of the log: the API's mutating handlers, switching and overrides.
 */
export async function appendAudit(
  deps: AuditDeps,
  event: AuditEvent,
  chain = event.tenantId,
  options: AppendOptions = {},
): Promise<AuditEntry> {
  for (let attempt = 1; ; attempt += 1) {
    const head = await readHead(deps, chain);
    const entry = chainEntry(chain, event, new Date(deps.clock.nowMs()).toISOString(), head);
    const items = appendItems(deps.tableName, entry, head);
    if (options.onceKey) items.push(onceMarker(deps.tableName, entry, options.onceKey));
    try {
      await deps.client.send(new TransactWriteCommand({ TransactItems: items }));
      return entry;
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      // Cancelled by the head having moved or by the marker: a marker means the event is already in the chain.
      const recorded = options.onceKey ? await readOnce(deps, chain, options.onceKey) : undefined;
      if (recorded) return recorded;
      if (attempt >= MAX_APPEND_ATTEMPTS) throw error;
    }
    // Full jitter, capped: many writers on one chain spread out instead of colliding in lockstep.
    await sleep(Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt));
  }
}

function appendItems(tableName: string, entry: AuditEntry, head: ChainHead | undefined): TransactItem[] {
  return [
    {
      Put: {
        TableName: tableName,
        Item: { [PK]: chainPartition(entry.chain), [SK]: entrySortKey(entry.seq), ...entry },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...headKey(entry.chain), seq: entry.seq, hash: entry.hash },
        ...(head
          ? {
              ConditionExpression: '#seq = :previous',
              ExpressionAttributeNames: { '#seq': 'seq' },
              ExpressionAttributeValues: { ':previous': head.seq },
            }
          : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }),
      },
    },
  ];
}

function onceMarker(tableName: string, entry: AuditEntry, key: string): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...onceKey(entry.chain, key), seq: entry.seq },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
    },
  };
}

/** The entry a once-key's marker names, if the event was recorded. */
async function readOnce(deps: StoreDeps, chain: string, key: string): Promise<AuditEntry | undefined> {
  const { client, tableName } = deps;
  const marker = await client.send(
    new GetCommand({ TableName: tableName, Key: onceKey(chain, key), ConsistentRead: true }),
  );
  const seq = marker.Item?.seq;
  if (typeof seq !== 'number') return undefined;
  const { Item } = await client.send(
    new GetCommand({
      TableName: tableName,
      Key: { [PK]: chainPartition(chain), [SK]: entrySortKey(seq) },
      ConsistentRead: true,
    }),
  );
  return Item ? entityOf<AuditEntry>(Item) : undefined;
}

/** A page of a chain's entries, oldest first. */
export async function listAudit(
  deps: StoreDeps,
  chain: string,
  limit: number,
  after?: CursorPosition,
): Promise<Page<AuditEntry>> {
  const { Items = [], LastEvaluatedKey } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': chainPartition(chain), ':prefix': 'ENTRY#' },
      Limit: limit,
      ...(after ? { ExclusiveStartKey: { [PK]: chainPartition(chain), [SK]: after.sk } } : {}),
    }),
  );
  const nextCursor = cursorAfter(LastEvaluatedKey, ['sk']);
  return { items: Items.map((item) => entityOf<AuditEntry>(item)), ...(nextCursor ? { nextCursor } : {}) };
}

/** Reads the whole chain and its head and verifies them; reports the first entry that does not verify. */
export async function verifyAudit(deps: StoreDeps, chain: string): Promise<ChainVerification> {
  const [entries, head] = await Promise.all([
    queryAllByPrefix<AuditEntry>(deps, chainPartition(chain), 'ENTRY#'),
    readHead(deps, chain),
  ]);
  return verifyChain(entries, head);
}
