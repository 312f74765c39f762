import type { Ack } from '../messages/ack.js';

/**
 * What an ack means for the waiting switch. `received` proves the gateway is alive and working on the command (a
 * heartbeat); `executed` ends the wait with success; `rejected` and `expired` end it with a named error the flow's
 * Catch turns into compensation. The error names are the ASL errors the SwitchFlow matches.
 */
export const ACK_ERRORS = {
  rejected: 'Ack.Rejected',
  expired: 'Ack.Expired',
} as const;

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
        error: ACK_ERRORS[ack.status],
        // The cause is what an operator reads in the execution history: site, command, reason, gateway detail.
        cause: JSON.stringify({
          siteId: ack.siteId,
          commandId: ack.commandId,
          seq: ack.seq,
          reason: ack.reason,
          ...(ack.detail ? { detail: ack.detail } : {}),
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
