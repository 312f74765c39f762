import { z } from 'zod';
import { type Award, awardSchema, MAX_AWARDS_PER_SITE } from '../ancillary/awards.js';
import { type Command, commandSchema, siteModeSchema } from '../messages/command.js';
import type { Plan } from '../model/plan.js';
import { isoInstantSchema, siteIdSchema, storableNumber } from '../support/schema.js';
import { parseOrThrow } from '../support/validation.js';

/**
 * Commands the switching flow sends. Every command carries a per-site sequence number, strictly above the last one
 * the gateway accepted, and a `validUntil` after which the gateway refuses it: a command delayed in a queue can never
 * undo a newer one.
 */

/** How long a switching command stays valid: inside the flow's ack timeout, so an expired ack still reaches the flow. */
export const COMMAND_VALID_FOR_MS = 90_000;

/**
 * The site's state after a failed switch. ASIC load is the interruptible load: curtailing it can neither push the site
 * over its interconnect limit nor interrupt customers' inference, and the next dispatch (≤ 5 minutes later) switches
 * the site again from a clean lock. The hold lapses on its own so a site is never left curtailed by a lost restore.
 */
export const SAFE_MODE = 'curtail-asics' as const;
export const SAFE_MODE_HOLD_MS = 15 * 60_000;

/** The next sequence number after `lastSeq` (none issued yet: 1). */
export function nextSeq(lastSeq: number | undefined): number {
  if (lastSeq === undefined) return 1;
  if (!Number.isInteger(lastSeq) || lastSeq < 0) throw new RangeError(`lastSeq must be a non-negative integer`);
  return lastSeq + 1;
}

interface Envelope {
  readonly siteId: string;
  readonly commandId: string;
  readonly seq: number;
  /** The issuing control plane's lease generation, stored with the site's sequence counter. */
  readonly epoch: number;
  readonly nowMs: number;
  /** @default COMMAND_VALID_FOR_MS */
  readonly validForMs?: number;
}

function envelope(input: Envelope) {
  return {
    commandId: input.commandId,
    siteId: input.siteId,
    seq: input.seq,
    epoch: input.epoch,
    issuedAt: new Date(input.nowMs).toISOString(),
    validUntil: new Date(input.nowMs + (input.validForMs ?? COMMAND_VALID_FOR_MS)).toISOString(),
  };
}

/** The plan narrowed to one site: a gateway never sees another site's setpoints. */
export function planForSite(plan: Plan, siteId: string): Plan {
  const site = plan.sites.find((s) => s.siteId === siteId);
  if (!site) throw new RangeError(`plan version ${plan.version} has no site ${siteId}`);
  return { ...plan, sites: [site] };
}

export function buildApplyPlanCommand(input: Envelope & { readonly plan: Plan }): Command {
  return parseOrThrow(
    commandSchema,
    { ...envelope(input), kind: 'apply-plan', payload: { plan: planForSite(input.plan, input.siteId) } },
    'apply-plan command',
  );
}

/** A cap on the site's facility power, to the watt: the gateway's site power controller holds it. */
export const powerLimitOverrideSchema = z.strictObject({
  kind: z.literal('set-power-limit'),
  limitKw: storableNumber({ min: 1, max: 1_000_000, decimals: 3 }),
  reason: z.string().min(1).max(500),
  expiresAt: isoInstantSchema,
});

/** An operator's override, as the API hands it to the switching flow. */
export const switchOverrideSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('set-mode'),
    mode: siteModeSchema,
    reason: z.string().min(1).max(500),
    expiresAt: isoInstantSchema,
  }),
  z.strictObject({
    kind: z.literal('curtail'),
    /** To the watt; 1 GW is more than any site holds. */
    shedKw: storableNumber({ min: 0, max: 1_000_000, decimals: 3 }),
    reason: z.string().min(1).max(500),
    expiresAt: isoInstantSchema,
  }),
  powerLimitOverrideSchema,
]);
export type SwitchOverride = z.infer<typeof switchOverrideSchema>;

export function buildOverrideCommand(input: Envelope & { readonly override: SwitchOverride }): Command {
  const { kind, ...payload } = input.override;
  return parseOrThrow(commandSchema, { ...envelope(input), kind, payload }, `${kind} command`);
}

/** Ends the gateway's mode override and command curtailment: it runs the plan it holds again. */
export function buildRestoreCommand(input: Envelope & { readonly reason: string }): Command {
  return parseOrThrow(
    commandSchema,
    { ...envelope(input), kind: 'restore', payload: { reason: input.reason.slice(0, 500) } },
    'restore command',
  );
}

/** The site's ancillary awards for the gateway to hold armed (an empty list disarms). */
export function buildArmCommand(
  input: Envelope & { readonly awards: readonly Award[]; readonly reason: string },
): Command {
  return parseOrThrow(
    commandSchema,
    {
      ...envelope(input),
      kind: 'arm-ancillary',
      payload: { awards: input.awards, reason: input.reason.slice(0, 500) },
    },
    'arm-ancillary command',
  );
}

export function buildSafeModeCommand(input: Envelope & { readonly reason: string }): Command {
  return parseOrThrow(
    commandSchema,
    {
      ...envelope(input),
      kind: 'set-mode',
      payload: {
        mode: SAFE_MODE,
        reason: input.reason.slice(0, 500),
        expiresAt: new Date(input.nowMs + SAFE_MODE_HOLD_MS).toISOString(),
      },
    },
    'safe-mode command',
  );
}

/**
 * What starts a SwitchFlow: a plan version to apply (from OptimizeFlow) or an operator override (from the API's
 * override route, through its SwitchFlowStarter port). `requestedBy` goes to the audit log.
 */
export const switchFlowInputSchema = z
  .strictObject({
    siteId: siteIdSchema,
    planVersion: z.number().int().positive().optional(),
    override: switchOverrideSchema.optional(),
    /**
     * End an override on the gateway (a `restore` command) so it runs the plan it holds again; with planVersion that
     * plan is recorded as the site's, without one (no plan stored) the gateway runs what it holds or its default mode.
     */
    restore: z.strictObject({ reason: z.string().min(1).max(500) }).optional(),
    /** Ancillary awards to arm on the gateway (functions/ancillary/arm-awards.ts); the site's plan stays as it is. */
    arm: z
      .strictObject({ awards: z.array(awardSchema).max(MAX_AWARDS_PER_SITE), reason: z.string().min(1).max(500) })
      .optional(),
    requestedBy: z.string().min(1).max(256).default('optimizer'),
  })
  .refine(
    (input) =>
      input.arm !== undefined
        ? input.override === undefined && input.restore === undefined && input.planVersion === undefined
        : input.restore !== undefined
          ? input.override === undefined
          : (input.planVersion === undefined) !== (input.override === undefined),
    {
      path: ['planVersion'],
      message:
        'exactly one of planVersion and override is required (a restore takes no override, an arm takes neither)',
    },
  )
  .refine((input) => input.arm === undefined || input.arm.awards.every((a) => a.siteId === input.siteId), {
    path: ['arm', 'awards'],
    message: 'every award must be for the flow’s site',
  });
export type SwitchFlowInput = z.infer<typeof switchFlowInputSchema>;
