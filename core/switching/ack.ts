import { z } from 'zod';
import type { Ack } from '../messages/ack.js';
import { MAX_EPOCH, MAX_SEQ } from '../messages/command.js';

/**
 * What an ack means for the waiting switch. `received` proves the gateway is alive and working on the command (a
 * heartbeat); `executed` ends the wait with success; `rejected` and `expired` end it with a named error the flow's
 * Catch turns into compensation. The error names are the ASL errors the SwitchFlow matches.
 */
export const ACK_ERRORS = {
  rejected: 'Ack.Rejected',
  expired: 'Ack.Expired',
  /** Refused as stale, with the gateway's lastSeq in the cause: the flow resynchronises its counter and retries. */
  staleSeq: 'Ack.StaleSeq',
  /** The gateway lost its state: the flow takes a fresh epoch, resynchronises and retries. */
  resyncRequired: 'Ack.ResyncRequired',
} as const;

/** The refusals the flow answers by resynchronising (functions/switching/steps.ts `resyncSequence`). */
export const RESYNC_ERRORS = [ACK_ERRORS.staleSeq, ACK_ERRORS.resyncRequired] as const;

function failureError(ack: Ack): string {
  if (ack.status === 'rejected' && ack.reason === 'stale-seq' && ack.lastSeq !== undefined) return ACK_ERRORS.staleSeq;
  if (ack.status === 'rejected' && ack.reason === 'resync-required') return ACK_ERRORS.resyncRequired;
  return ACK_ERRORS[ack.status === 'rejected' ? 'rejected' : 'expired'];
}

export type AckOutcome =
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'success'; readonly output: AckResult }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

/** The task output of an executed command, as the flow's commit step reads it. */
export interface AckResult {
  readonly commandId: string;
  readonly siteId: string;
  readonly seq: number;
  readonly status: 'executed';
  readonly reason: Ack['reason'];
  readonly receivedAt: string;
  readonly executedAt?: string;
  readonly executionMs?: number;
}

export function interpretAck(ack: Ack): AckOutcome {
  switch (ack.status) {
    case 'received':
      return { kind: 'heartbeat' };
    case 'executed':
      return {
        kind: 'success',
        output: {
          commandId: ack.commandId,
          siteId: ack.siteId,
          seq: ack.seq,
          status: 'executed',
          reason: ack.reason,
          receivedAt: ack.timings.receivedAt,
          ...(ack.timings.executedAt ? { executedAt: ack.timings.executedAt } : {}),
          ...(ack.timings.executionMs !== undefined ? { executionMs: ack.timings.executionMs } : {}),
        },
      };
    case 'rejected':
    case 'expired':
      return {
        kind: 'failure',
        error: failureError(ack),
        // The cause is what an operator reads in the execution history: site, command, reason, gateway detail.
        cause: JSON.stringify({
          siteId: ack.siteId,
          commandId: ack.commandId,
          seq: ack.seq,
          reason: ack.reason,
          ...(ack.detail ? { detail: ack.detail } : {}),
          ...(ack.lastSeq !== undefined ? { lastSeq: ack.lastSeq } : {}),
          ...(ack.epoch !== undefined ? { epoch: ack.epoch } : {}),
        }),
      };
  }
}

/**
 * Answers Step Functions gives for a token that can no longer be settled: a duplicate ack after the first one closed
 * the task, a late ack after the timeout, a token of an execution that ended. None of them is a fault of the ack path.
 */
const SETTLED_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export const isSettledTokenError = (errorName: string): boolean => SETTLED_TOKEN_ERRORS.has(errorName);

const refusalCauseSchema = z.object({
  lastSeq: z.number().int().nonnegative().max(MAX_SEQ).optional(),
  epoch: z.number().int().nonnegative().max(MAX_EPOCH).optional(),
});

/** The gateway's counters from a refusal's cause (as `interpretAck` wrote it); empty when the cause holds none. */
export function refusalCounters(cause: string | undefined): { lastSeq?: number; epoch?: number } {
  let json: unknown;
  try {
    json = JSON.parse(cause ?? '');
  } catch {
    return {};
  }
  const parsed = refusalCauseSchema.safeParse(json);
  return parsed.success ? parsed.data : {};
}
