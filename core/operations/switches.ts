import { z } from 'zod';
import { type SwitchLogEntry, switchLogEntrySchema } from '../api/operations.js';
import { ACK_ERRORS } from '../switching/ack.js';

/**
 * How a SwitchFlow ended, as an operator reads it: the gateway executed the command (committed), refused it
 * (rejected), never answered in time (timed out), or any other failure put the site into the safe mode
 * (compensated). Every failure is also compensated; the outcome names why. A local switch is executed when every
 * device accepted it, failed otherwise.
 */
export const switchOutcomeSchema = z.enum(['executed', 'rejected', 'timed-out', 'compensated', 'failed']);
export type SwitchOutcome = z.infer<typeof switchOutcomeSchema>;

/** Step Functions' own errors for a task token that was not settled in time. */
const TIMEOUT_ERRORS: ReadonlySet<string> = new Set(['States.Timeout', 'States.HeartbeatTimeout', ACK_ERRORS.expired]);

export function switchOutcome(entry: Pick<SwitchLogEntry, 'action' | 'error' | 'devices'>): SwitchOutcome {
  if (entry.action === 'switch.commit') return 'executed';
  // A local switch has no flow to compensate it: a device that did not accept is the gateway's to retry.
  if (entry.action === 'switch.local') return entry.devices?.accepted === entry.devices?.sent ? 'executed' : 'failed';
  if (entry.error === ACK_ERRORS.rejected) return 'rejected';
  if (entry.error !== undefined && TIMEOUT_ERRORS.has(entry.error)) return 'timed-out';
  return 'compensated';
}

/** One switch of the history: the log entry, its outcome, and lock-to-ack latency for executed switches. */
export const switchRecordSchema = switchLogEntrySchema.extend({
  outcome: switchOutcomeSchema,
  latencyMs: z.number().nonnegative().optional(),
});
export type SwitchRecord = z.infer<typeof switchRecordSchema>;

export const switchRecordOf = (entry: SwitchLogEntry & { latencyMs?: number }): SwitchRecord => ({
  ...entry,
  outcome: switchOutcome(entry),
});

export const switchRecordsSchema = z.object({ items: z.array(switchRecordSchema) });
