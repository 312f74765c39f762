import { canonicalJson, sha256Hex } from '../../../../core/api/canonical.js';
import type { Ack } from '../../../../core/messages/ack.js';
import { type Command, commandSchema } from '../../../../core/messages/command.js';
import type { CommandVerifier } from './command-signature.js';

/**
 * Whether a command may run. The order matters: a command id already seen is answered from memory (its last ack,
 * marked repeated) before any other rule, so a cloud retry after a lost ack never executes twice; a different body
 * under a known id is a forgery or a bug and is refused. Only then do the epoch (fencing), sequence and expiry rules
 * apply. Nothing refused moves `lastSeq` or `highestEpoch`: only `remember` with an accepted command does.
 */

export interface RememberedCommand {
  readonly commandId: string;
  /** sha256 of the canonical command body. */
  readonly fingerprint: string;
  /** The latest ack sent for it (received, then executed/rejected/expired). */
  readonly ack: Ack;
}

export interface AcceptanceState {
  /** Highest sequence number accepted; 0 before the first. */
  readonly lastSeq: number;
  /** Highest control-plane epoch accepted; 0 before the first. A command from an older epoch is fenced out. */
  readonly highestEpoch: number;
  /**
   * Present after a start on a lost or corrupt state file: the gateway no longer knows which numbers it accepted, so
   * it takes commands again only from an epoch newer than any it has refused since (the cloud's resync takes a fresh
   * epoch), never from lastSeq 0. `refusedUpToEpoch` is null until the first refusal.
   */
  readonly awaitingResync?: { readonly refusedUpToEpoch: number | null };
  readonly recent: readonly RememberedCommand[];
}

export type Decision =
  /** Not a command at all: nothing to ack (no id to ack with) unless the envelope could be read. */
  | {
      readonly kind: 'invalid';
      readonly envelope?: { commandId: string; seq: number; taskToken?: string };
      readonly detail: string;
    }
  | { readonly kind: 'repeat'; readonly ack: Ack }
  | {
      readonly kind: 'reject';
      readonly command: Command;
      readonly reason: 'stale-seq' | 'stale-epoch' | 'duplicate-command' | 'bad-signature' | 'resync-required';
      readonly detail: string;
    }
  | { readonly kind: 'expired'; readonly command: Command }
  | { readonly kind: 'accept'; readonly command: Command; readonly fingerprint: string };

export function fingerprint(command: unknown): string {
  return sha256Hex(canonicalJson(command));
}

export function decide(
  input: unknown,
  state: AcceptanceState,
  siteId: string,
  nowMs: number,
  verify: CommandVerifier = () => undefined,
): Decision {
  const parsed = commandSchema.safeParse(input);
  if (!parsed.success) {
    return { kind: 'invalid', envelope: readableEnvelope(input), detail: parsed.error.issues[0]?.message ?? 'invalid' };
  }
  const command = parsed.data;
  if (command.siteId !== siteId) {
    return { kind: 'invalid', envelope: readableEnvelope(input), detail: `command for site ${command.siteId}` };
  }
  // Before any rule reads its id, epoch or seq: a forged command must not even be answered from memory.
  const forged = verify(command);
  if (forged) return { kind: 'reject', command, reason: 'bad-signature', detail: forged };
  const { awaitingResync } = state;
  if (
    awaitingResync &&
    (awaitingResync.refusedUpToEpoch === null || command.epoch <= awaitingResync.refusedUpToEpoch)
  ) {
    return {
      kind: 'reject',
      command,
      reason: 'resync-required',
      detail: 'state lost: commands resume from a newer epoch than any refused since',
    };
  }
  const print = fingerprint(command);
  const known = state.recent.find((r) => r.commandId === command.commandId);
  if (known) {
    if (known.fingerprint === print) return { kind: 'repeat', ack: { ...known.ack, repeated: true } };
    return { kind: 'reject', command, reason: 'duplicate-command', detail: 'command id reused with a different body' };
  }
  if (command.epoch < state.highestEpoch) {
    return {
      kind: 'reject',
      command,
      reason: 'stale-epoch',
      detail: `epoch ${command.epoch} < highest seen ${state.highestEpoch}: its writer was fenced out`,
    };
  }
  if (command.seq <= state.lastSeq) {
    return {
      kind: 'reject',
      command,
      reason: 'stale-seq',
      detail: `seq ${command.seq} ≤ last accepted ${state.lastSeq}`,
    };
  }
  if (Date.parse(command.validUntil) <= nowMs) return { kind: 'expired', command };
  return { kind: 'accept', command, fingerprint: print };
}

function readableEnvelope(input: unknown): { commandId: string; seq: number; taskToken?: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { commandId, seq, taskToken } = input as Record<string, unknown>;
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (typeof commandId !== 'string' || !uuid.test(commandId)) return undefined;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) return undefined;
  return { commandId, seq, ...(typeof taskToken === 'string' && taskToken !== '' ? { taskToken } : {}) };
}

/** Records the latest ack of a command, keeping the `limit` most recent ids (older ones fall to the seq rule). */
export function remember(
  state: AcceptanceState,
  entry: RememberedCommand,
  limit: number,
  accepted?: { readonly seq: number; readonly epoch: number },
): AcceptanceState {
  const others = state.recent.filter((r) => r.commandId !== entry.commandId);
  // An accepted command ends a resync; until one is accepted the resync stands.
  const resync = accepted ? undefined : state.awaitingResync;
  return {
    ...(resync ? { awaitingResync: resync } : {}),
    lastSeq: Math.max(state.lastSeq, accepted?.seq ?? 0),
    highestEpoch: Math.max(state.highestEpoch, accepted?.epoch ?? 0),
    recent: [...others, entry].slice(-limit),
  };
}

/** A command refused while awaiting a resync raises the floor: only a newer epoch than this one is taken. Pure. */
export function refusedDuringResync(state: AcceptanceState, epoch: number): AcceptanceState {
  if (!state.awaitingResync) return state;
  const floor = Math.max(state.awaitingResync.refusedUpToEpoch ?? 0, epoch);
  return { ...state, awaitingResync: { refusedUpToEpoch: floor } };
}
