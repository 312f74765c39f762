import { z } from 'zod';
import { isoInstantSchema, siteIdSchema } from '../support/schema.js';
import { switchOverrideSchema } from '../switching/command.js';

/**
 * An operator's manual override of a site, as recorded beside the SwitchFlow it started: what was forced, why, by whom
 * and until when. The record is the operator's word; the SwitchFlow's outcome is in the switch history.
 */
export const overrideRecordSchema = z.object({
  siteId: siteIdSchema,
  override: switchOverrideSchema,
  requestedBy: z.string().min(1),
  requestedAt: isoInstantSchema,
  executionName: z.string().min(1),
  /**
   * When the override's SwitchFlow claimed it for its command, just before publishing: from then on the gateway may
   * apply it, so a cancel restores the plan rather than stopping the flow.
   */
  commandedAt: isoInstantSchema.optional(),
  cancelledAt: isoInstantSchema.optional(),
  cancelledBy: z.string().min(1).optional(),
});
export type OverrideRecord = z.infer<typeof overrideRecordSchema>;

export const overrideStatusSchema = z.enum(['active', 'expired', 'cancelled']);
export type OverrideStatus = z.infer<typeof overrideStatusSchema>;

/** An override applies from its request until its expiry, unless cancelled first; at the expiry instant it is over. */
export function overrideStatusAt(record: OverrideRecord, nowMs: number): OverrideStatus {
  if (record.cancelledAt !== undefined) return 'cancelled';
  return Date.parse(record.override.expiresAt) > nowMs ? 'active' : 'expired';
}

/** The override holding the site at `nowMs`, or undefined: dispatch and the views agree through this one rule. */
export function activeOverride(record: OverrideRecord | undefined, nowMs: number): OverrideRecord | undefined {
  return record && overrideStatusAt(record, nowMs) === 'active' ? record : undefined;
}

export const overrideViewSchema = overrideRecordSchema.extend({ status: overrideStatusSchema });
export type OverrideView = z.infer<typeof overrideViewSchema>;
export const overrideViewOf = (record: OverrideRecord, nowMs: number): OverrideView => ({
  ...record,
  status: overrideStatusAt(record, nowMs),
});

/**
 * DELETE /v1/sites/{siteId}/overrides/current: the cancelled override; `holdReleased` is false when dispatch held the
 * site for no switch of this override (its SwitchFlow had not prepared its command, or failed into the safe mode).
 */
export const overrideCancelledSchema = z.object({
  override: overrideViewSchema,
  holdReleased: z.boolean(),
  outcome: z.enum(['stoppedBeforeCommit', 'planRestored', 'overrideLifted']).meta({
    description:
      "stoppedBeforeCommit: the override's SwitchFlow had not published its command; it applies the current plan " +
      'instead. planRestored: the override was (or is being) applied; a SwitchFlow of its own restores the plan ' +
      '(`restoreExecutionName`). overrideLifted: as planRestored, but no plan is stored: the restore lifts the ' +
      'override and the gateway runs the plan it holds or its default mode.',
  }),
  restoreExecutionName: z.string().optional(),
});
