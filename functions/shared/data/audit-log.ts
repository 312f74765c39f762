import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AuditEntry,
  type AuditEvent,
  type ChainVerification,
  chainEntry,
  verifyChain,
} from '../../../core/api/audit.js';
import { sha256Hex } from '../../../core/api/canonical.js';
import type { CursorPosition } from '../../../core/api/pagination.js';
import type { Clock } from '../../../core/support/clock.js';
import { cursorAfter, entityOf, type Page, queryAllByPrefix, type StoreDeps } from './dynamo-helpers.js';
import type { TransactItem } from './idempotency.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The hash-chained audit log in DynamoDB, written through an outbox and linked by an ordered chainer.
 *
 * - **Outbox.** A mutation writes its audit event as an item `OUTBOX#<at>#<id>` in the same transaction as its own
 *   writes (`auditOutbox`), or on its own (`recordAudit`). Nothing contends: the event is recorded exactly when the
 *   mutation is, and a client's retry that replays the stored answer finds the event already there.
 * - **Shards.** A chain (a tenant, or `platform`) is `AUDIT_SHARDS` hash chains, one per DynamoDB partition: shard 0
 *   is `AUDIT#<chain>` (where the unsharded chain lived), shard k > 0 is `AUDIT#<chain>#<k>`. An event goes to the
 *   shard its id hashes to. Each shard has its entries `ENTRY#<seq, zero-padded>` and its head `HEAD`.
 * - **Chainer.** `chainPending(partition)` links a shard's outbox into its chain in order of `at`, up to
 *   CHAIN_BATCH events per transaction: their entries, the head moved from n to n + k on condition it is still at n,
 *   and the outbox items deleted on condition they are still there. Two chainers on one shard cannot both link (the
 *   loser re-reads); a chainer whose answer was lost finds its events gone from the outbox. In AWS the table's stream
 *   runs it (functions/audit/chain-handler.ts, one invocation per stream shard at a time); locally a chainer woken by
 *   each committed outbox write (`onOutbox`, sim/local/audit-chainer.ts); and every read of the chain drains the
 *   outbox first, so a reader never misses an event already committed.
 *
 * Ceiling in AWS: a partition takes ~1,000 WCU/s and a transactional write costs 2 WCU per KB. An event costs its
 * shard's partition ~6 WCU (outbox put and delete, entry put, all transactional; the head's write spread over a
 * batch), so a shard links ~160 events/s and a tenant's chain AUDIT_SHARDS × that (~1,300/s with 8); raise the shard
 * count to grow it (never lower it: verify reads shards 0..n-1).
 *
 * An event that must be recorded once whatever retries its writer (a switch commit retried by Step Functions) carries
 * a once-key: its outbox write also writes a marker `ONCE#<key>` in the chain's shard 0, on condition it is absent, so
 * a repeat writes nothing.
 */
const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
/** Shards per chain. Raising it spreads a tenant's audit writes over more partitions; lowering it hides shards. */
export const AUDIT_SHARDS = 8;
/** Events one chainer transaction links: 2 items each (entry put, outbox delete) + the head, under DynamoDB's 100. */
export const CHAIN_BATCH = 49;
const OUTBOX_PREFIX = 'OUTBOX#';
const ENTRY_PREFIX = 'ENTRY#';
/** A chainer gives up after this many transactions cancelled in a row (another chainer kept winning). */
const MAX_CHAIN_CONFLICTS = 50;
/** A once-keyed write cancelled by a concurrent one that then failed is tried again, this many times in all. */
const MAX_ONCE_ATTEMPTS = 10;

export const shardPartition = (chain: string, shard: number) =>
  shard === 0 ? `AUDIT#${chain}` : `AUDIT#${chain}#${shard}`;
const entrySortKey = (seq: number) => `${ENTRY_PREFIX}${String(seq).padStart(12, '0')}`;
const headKey = (partition: string) => ({ [PK]: partition, [SK]: 'HEAD' });
const onceKey = (chain: string, key: string) => ({ [PK]: shardPartition(chain, 0), [SK]: `ONCE#${key}` });
const shardCount = (deps: { readonly shards?: number }) => deps.shards ?? AUDIT_SHARDS;

export interface AuditDeps extends StoreDeps {
  readonly clock: Clock;
  /** @default AUDIT_SHARDS */
  readonly shards?: number;
  /**
   * Told the shard partition of each outbox write once it is committed: the local platform's chainer wakes on it (in
   * AWS the table's stream does). @default nobody: the next read or stream record links it
   */
  readonly onOutbox?: (partition: string) => void;
}

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

interface OutboxItem {
  readonly chain: string;
  readonly shard: number;
  readonly at: string;
  readonly event: AuditEvent;
}

async function readHead(deps: StoreDeps, partition: string): Promise<ChainHead | undefined> {
  const { Items = [] } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk = :head',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': partition, ':head': 'HEAD' },
      ConsistentRead: true,
    }),
  );
  const item = Items[0];
  return item ? { seq: item.seq as number, hash: item.hash as string } : undefined;
}

export interface AppendOptions {
  /**
   * Records the event at most once per chain and key (e.g. `switch.commit/<site>/<commandId>`): a repeat writes
   * nothing. @default none: every call records
   */
  readonly onceKey?: string;
}

/** An audit event's outbox writes, for the mutation's own transaction, and the shard partition they go to. */
export interface AuditOutbox {
  readonly items: TransactItem[];
  readonly partition: string;
}

/** The outbox writes of one event (default chain: the event's tenant); put them in the mutation's transaction. */
export function auditOutbox(
  deps: AuditDeps,
  event: AuditEvent,
  chain = event.tenantId,
  options: AppendOptions = {},
): AuditOutbox {
  const at = new Date(deps.clock.nowMs()).toISOString();
  const id = randomUUID();
  const shard = Number.parseInt(sha256Hex(id).slice(0, 8), 16) % shardCount(deps);
  const partition = shardPartition(chain, shard);
  const outbox: OutboxItem = { chain, shard, at, event };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: deps.tableName,
        Item: { [PK]: partition, [SK]: `${OUTBOX_PREFIX}${at}#${id}`, ...outbox },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    },
  ];
  if (options.onceKey) {
    items.push({
      Put: {
        TableName: deps.tableName,
        Item: { ...onceKey(chain, options.onceKey), at },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    });
  }
  return { items, partition };
}

/** After the transaction holding `outbox` committed: wakes the local chainer (nothing in AWS, the stream does). */
export function outboxCommitted(deps: AuditDeps, outbox: AuditOutbox): void {
  deps.onOutbox?.(outbox.partition);
}

/** What recording an event did: `recorded` false when its once-key was already recorded. */
export interface AuditReceipt {
  readonly recorded: boolean;
  readonly partition: string;
}

/**
 * Records one event on its own (for a mutation that cannot put it in its own transaction): one unconditioned-by-
 * others write, so it never contends with other writers of the chain. Exported for every writer of the log: the
 * API's mutating handlers, switching and overrides.
 */
export async function recordAudit(
  deps: AuditDeps,
  event: AuditEvent,
  chain = event.tenantId,
  options: AppendOptions = {},
): Promise<AuditReceipt> {
  for (let attempt = 1; ; attempt += 1) {
    const outbox = auditOutbox(deps, event, chain, options);
    try {
      const [only] = outbox.items;
      if (outbox.items.length === 1 && only?.Put) await deps.client.send(new PutCommand(only.Put));
      else await deps.client.send(new TransactWriteCommand({ TransactItems: outbox.items }));
      outboxCommitted(deps, outbox);
      return { recorded: true, partition: outbox.partition };
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException' || !options.onceKey) throw error;
      // Cancelled by the once-marker (the event is recorded already) or by a concurrent writer of the same marker
      // whose transaction may yet fail: only the marker's presence settles it.
      if (await onceRecorded(deps, chain, options.onceKey)) return { recorded: false, partition: outbox.partition };
      if (attempt >= MAX_ONCE_ATTEMPTS) throw error;
    }
  }
}

async function onceRecorded(deps: StoreDeps, chain: string, key: string): Promise<boolean> {
  const { Item } = await deps.client.send(
    new GetCommand({ TableName: deps.tableName, Key: onceKey(chain, key), ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** The name the log's writers have always called; the event is now recorded through the outbox. */
export const appendAudit = recordAudit;

async function pendingOutbox(deps: StoreDeps, partition: string, limit: number) {
  const { Items = [] } = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': partition, ':prefix': OUTBOX_PREFIX },
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return Items as (OutboxItem & Record<string, unknown>)[];
}

/**
 * Links a shard's outbox into its hash chain, oldest first, in batches; returns how many events this call linked.
 * Safe to run concurrently and to repeat: see the module comment.
 */
export async function chainPending(deps: StoreDeps, partition: string): Promise<number> {
  let linked = 0;
  let conflicts = 0;
  for (;;) {
    const pending = await pendingOutbox(deps, partition, CHAIN_BATCH);
    if (pending.length === 0) return linked;
    const head = await readHead(deps, partition);
    const entries: AuditEntry[] = [];
    for (const item of pending) {
      entries.push(chainEntry(item.chain, item.event, item.at, entries.at(-1) ?? head, item.shard));
    }
    try {
      await deps.client.send(
        new TransactWriteCommand({ TransactItems: linkItems(deps.tableName, partition, pending, entries, head) }),
      );
      linked += entries.length;
      conflicts = 0;
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      // Another chainer linked first (the head moved, or our outbox items are gone): read again.
      conflicts += 1;
      if (conflicts >= MAX_CHAIN_CONFLICTS) throw error;
    }
  }
}

function linkItems(
  tableName: string,
  partition: string,
  pending: readonly Record<string, unknown>[],
  entries: readonly AuditEntry[],
  head: ChainHead | undefined,
): TransactItem[] {
  const last = entries.at(-1) as AuditEntry;
  const exists = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
  const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
  return [
    ...entries.map((entry) => ({
      Put: { TableName: tableName, Item: { [PK]: partition, [SK]: entrySortKey(entry.seq), ...entry }, ...absent },
    })),
    ...pending.map((item) => ({
      Delete: { TableName: tableName, Key: { [PK]: partition, [SK]: item[SK] }, ...exists },
    })),
    {
      Put: {
        TableName: tableName,
        Item: { ...headKey(partition), seq: last.seq, hash: last.hash },
        ...(head
          ? {
              ConditionExpression: '#seq = :previous',
              ExpressionAttributeNames: { '#seq': 'seq' },
              ExpressionAttributeValues: { ':previous': head.seq },
            }
          : absent),
      },
    },
  ];
}

/** Links every shard's outbox of a chain (what a reader does first, so it sees every committed event). */
async function chainAllShards(deps: StoreDeps & { readonly shards?: number }, chain: string): Promise<void> {
  await Promise.all(
    Array.from({ length: shardCount(deps) }, (_, shard) => chainPending(deps, shardPartition(chain, shard))),
  );
}

/**
 * A page of a chain's entries: shard 0's oldest first, then shard 1's, and so on. The cursor's `sk` is
 * `<shard>|ENTRY#<seq>` (a bare `ENTRY#<seq>`, from before sharding, is shard 0's).
 */
export async function listAudit(
  deps: StoreDeps & { readonly shards?: number },
  chain: string,
  limit: number,
  after?: CursorPosition,
): Promise<Page<AuditEntry>> {
  const start = after ? parseAuditCursor(after.sk ?? '') : { shard: 0, sk: undefined };
  if (!after) await chainAllShards(deps, chain);
  const items: AuditEntry[] = [];
  let startSk = start.sk;
  for (let shard = start.shard; shard < shardCount(deps); shard += 1) {
    const partition = shardPartition(chain, shard);
    const { Items = [], LastEvaluatedKey } = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': partition, ':prefix': ENTRY_PREFIX },
        Limit: limit - items.length,
        ...(startSk ? { ExclusiveStartKey: { [PK]: partition, [SK]: startSk } } : {}),
      }),
    );
    items.push(...Items.map((item) => entityOf<AuditEntry>(item)));
    startSk = undefined;
    if (items.length >= limit) {
      const lastSk = LastEvaluatedKey?.[SK] ?? (Items.at(-1)?.[SK] as string | undefined);
      const nextCursor = lastSk ? cursorAfter({ sk: `${shard}|${lastSk}` }, ['sk']) : undefined;
      return { items, ...(nextCursor ? { nextCursor } : {}) };
    }
  }
  return { items };
}

function parseAuditCursor(sk: string): { shard: number; sk: string } {
  const match = /^(?:(\d{1,3})\|)?(.+)$/.exec(sk);
  const rest = match?.[2];
  // The same error DynamoDB gives a start key outside the listing, which the API answers as a 400 naming `cursor`.
  if (!rest) throw validationError();
  return { shard: Number(match?.[1] ?? 0), sk: rest };
}

const validationError = () =>
  Object.assign(new Error('The provided starting key is invalid'), { name: 'ValidationException' });

/** The result of verifying every shard of a chain: ok only if each shard's links, hashes and head verify. */
export type AuditVerification = ChainVerification & {
  readonly shards: number;
  /** The shard that does not verify. */
  readonly shard?: number;
  /** Outbox events still waiting for the chainer after the reader drained it (written meanwhile). */
  readonly pending: number;
};

/** Links the outbox, then reads each shard's entries and head and verifies them; names the first that does not. */
export async function verifyAudit(
  deps: StoreDeps & { readonly shards?: number },
  chain: string,
): Promise<AuditVerification> {
  await chainAllShards(deps, chain);
  const shards = shardCount(deps);
  let checked = 0;
  let pending = 0;
  const headHashes: string[] = [];
  for (let shard = 0; shard < shards; shard += 1) {
    const partition = shardPartition(chain, shard);
    const [entries, head, waiting] = await Promise.all([
      queryAllByPrefix<AuditEntry>(deps, partition, ENTRY_PREFIX),
      readHead(deps, partition),
      queryAllByPrefix(deps, partition, OUTBOX_PREFIX),
    ]);
    pending += waiting.length;
    const result = verifyChain(entries, head);
    if (!result.ok) return { ...result, checked: checked + result.checked, shard, shards, pending };
    checked += result.checked;
    headHashes.push(result.headHash);
  }
  // One fingerprint of the whole chain: the shards' head hashes in order.
  return { ok: true, checked, headHash: sha256Hex(headHashes.join('')), shards, pending };
}
