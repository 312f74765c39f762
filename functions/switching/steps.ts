import { z } from 'zod';
import { awardSchema } from '../../core/ancillary/awards.js';
import type { Command } from '../../core/messages/command.js';
import type { Clock } from '../../core/support/clock.js';
import { siteIdSchema } from '../../core/support/schema.js';
import { parseOrThrow } from '../../core/support/validation.js';
import { ACK_ERRORS, type AckResult, refusalCounters } from '../../core/switching/ack.js';
import {
  buildApplyPlanCommand,
  buildArmCommand,
  buildOverrideCommand,
  buildRestoreCommand,
  buildSafeModeCommand,
  switchFlowInputSchema,
  switchOverrideSchema,
} from '../../core/switching/command.js';
import type { PlanStore } from '../shared/data/plan-store.js';
import type { SiteLockStore } from '../shared/data/site-lock.js';
import type { SwitchStateStore } from '../shared/data/switch-state-store.js';
import { SWITCH_ERRORS, SWITCH_STATES } from '../shared/flow-states.js';
import type { CommandPublisher, CommandSigner, OverrideClaims, SwitchAuditLog, SwitchMetrics } from './ports.js';
import { signCommand } from './sign-command.js';

/**
 * The steps of SwitchFlow as use cases over ports. Each Lambda of the flow is one of these behind a thin handler, and
 * the local platform binds the same functions to the same state names (`switchStepHandlers`).
 */

export interface SwitchStepDeps {
  readonly locks: SiteLockStore;
  readonly switchStates: SwitchStateStore;
  readonly plans: PlanStore;
  /** An override's flow claims its override before publishing, so a cancel that came first stops it. */
  readonly overrides: OverrideClaims;
  readonly publisher: CommandPublisher;
  /** Signs every command before it leaves (KMS in AWS, a local key on the local platform). */
  readonly signer: CommandSigner;
  readonly metrics: SwitchMetrics;
  readonly audit: SwitchAuditLog;
  readonly clock: Clock;
  readonly newId: () => string;
  /** How long a lock outlives a flow that died without releasing it; at least the flow's own timeout. */
  readonly lockTtlMs: number;
}

/** An error the flow matches by name in Retry/Catch. */
export class SwitchStepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const ownedSite = { siteId: siteIdSchema, ownerId: z.string().min(1).max(256) };
/** The flow's input as started (by OptimizeFlow or the API), and the execution name that owns the lock. */
const acquireInput = z.object({ request: switchFlowInputSchema, ownerId: ownedSite.ownerId });
const drainInput = z.object({ ...ownedSite, planVersion: z.number().int().positive().optional() });
const prepareInput = z.object({
  ...ownedSite,
  planVersion: z.number().int().positive().optional(),
  override: switchOverrideSchema.optional(),
  restore: z.object({ reason: z.string() }).optional(),
  arm: z.object({ awards: z.array(awardSchema), reason: z.string() }).optional(),
});
const commitInput = z.object({
  ...ownedSite,
  requestedBy: z.string().min(1).max(256),
  command: z.object({ commandId: z.string(), seq: z.number().int(), kind: z.string() }).passthrough(),
  ack: z.object({ commandId: z.string(), seq: z.number().int(), executionMs: z.number().optional() }).passthrough(),
  lock: z.object({ acquiredAtMs: z.number() }),
});
const compensateInput = z.object({
  ...ownedSite,
  requestedBy: z.string().min(1).max(256).default('optimizer'),
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).passthrough(),
  command: z.object({ commandId: z.string(), seq: z.number().int() }).passthrough().optional(),
});
const releaseInput = z.object(ownedSite);
const resyncInput = z.object({
  ...ownedSite,
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).passthrough(),
  resync: z.object({ attempts: z.number().int().nonnegative() }).passthrough().optional(),
});

/**
 * Resynchronisations one switch may make before it compensates: one is enough when the gateway's lastSeq is the
 * truth, and a second refusal means something else moves the counter (a second writer), which a retry would not fix.
 */
export const MAX_RESYNCS_PER_SWITCH = 1;

/** The flow errors of a switch the gateway refused (as opposed to one it never answered, or a step that failed). */
const GATEWAY_REFUSALS: ReadonlySet<string> = new Set([
  ACK_ERRORS.rejected,
  ACK_ERRORS.staleSeq,
  ACK_ERRORS.resyncRequired,
  SWITCH_ERRORS.resyncExhausted,
]);

function parse<S extends z.ZodType>(schema: S, event: unknown, step: string): z.infer<S> {
  try {
    return parseOrThrow(schema, event, `${step} input`);
  } catch (error) {
    throw new SwitchStepError(SWITCH_ERRORS.invalidInput, (error as Error).message);
  }
}

export function createSwitchSteps(deps: SwitchStepDeps) {
  const nowIso = () => new Date(deps.clock.nowMs()).toISOString();

  return {
    /**
     * Validates the flow's input and takes the site lock. Its output becomes the flow's state: the request with
     * defaults applied, the owner, and the lock, so every later step reads the same fields.
     */
    async acquireLock(event: unknown) {
      const { request, ownerId } = parse(acquireInput, event, 'acquireLock');
      const result = await deps.locks.acquire({ siteId: request.siteId, ownerId, ttlMs: deps.lockTtlMs });
      if (!result.ok) {
        throw new SwitchStepError(
          SWITCH_ERRORS.lockHeld,
          `site ${request.siteId} is being switched by ${result.heldBy}`,
        );
      }
      return {
        ...request,
        ownerId,
        lock: { acquiredAtMs: result.lock.acquiredAtMs, expiresAtMs: result.lock.expiresAtMs },
      };
    },

    /**
     * Marks the site draining so no new interruptible work lands on it while its split moves. The workload router
     * (a later issue) reads the mark and moves queued work; until then nothing runs on the GPUs that is not already
     * in the plan, so there is nothing more to wait for.
     */
    async drain(event: unknown) {
      const { siteId, ownerId, planVersion } = parse(drainInput, event, 'drain');
      const drainingSince = nowIso();
      // A flow that brings no plan (an arm, a power limit, an override) leaves the site on the plan it committed, and
      // an override in force stays recorded until the command step replaces or lifts it: dispatch reads both.
      const previous = await deps.switchStates.get(siteId);
      const keptPlanVersion = planVersion ?? previous?.planVersion;
      await deps.switchStates.put({
        siteId,
        status: 'draining',
        executionName: ownerId,
        updatedAt: drainingSince,
        drainingSince,
        ...(keptPlanVersion !== undefined ? { planVersion: keptPlanVersion } : {}),
        ...(previous?.overrideUntil !== undefined ? { overrideUntil: previous.overrideUntil } : {}),
      });
      return { drainingSince, drainedWorkloads: 0 };
    },

    /**
     * Builds and signs the command and records the site as commanded. An override's flow first claims its override:
     * when an operator cancelled it before this point, the override is never published and the flow applies the
     * current plan instead (the cancel answered `stoppedBeforeCommit`), so the site is back on the plan when it ends.
     */
    async prepareCommand(event: unknown): Promise<Command> {
      const input = parse(prepareInput, event, 'prepareCommand');
      const override =
        input.override && (await deps.overrides.claimForCommand(input.siteId, input.ownerId, nowIso()))
          ? input.override
          : undefined;
      // Arming moves no setpoint: the site keeps the plan version it committed.
      const planVersion = input.arm
        ? (await deps.switchStates.get(input.siteId))?.planVersion
        : input.override && !override
          ? (await deps.plans.loadCurrent())?.version
          : input.planVersion;
      const envelope = { siteId: input.siteId, commandId: deps.newId(), nowMs: deps.clock.nowMs() };
      let command: Command;
      if (input.arm) {
        command = buildArmCommand({
          ...envelope,
          ...(await deps.switchStates.allocateSeq(input.siteId)),
          awards: input.arm.awards,
          reason: input.arm.reason,
        });
      } else if (input.restore) {
        command = buildRestoreCommand({
          ...envelope,
          ...(await deps.switchStates.allocateSeq(input.siteId)),
          reason: input.restore.reason,
        });
      } else if (override) {
        command = buildOverrideCommand({
          ...envelope,
          ...(await deps.switchStates.allocateSeq(input.siteId)),
          override,
        });
      } else {
        const plan = planVersion === undefined ? undefined : await deps.plans.loadVersion(planVersion);
        if (!plan) {
          const which = input.override ? 'the cancelled override’s fallback: current plan' : 'plan version';
          throw new SwitchStepError(SWITCH_ERRORS.planMissing, `${which} ${planVersion} is not stored`);
        }
        command = buildApplyPlanCommand({ ...envelope, ...(await deps.switchStates.allocateSeq(input.siteId)), plan });
      }
      command = await signCommand(command, deps.signer);
      // A power limit leaves the plan running: the site keeps the plan version it committed and is not marked as
      // overridden, so dispatch goes on.
      const limitOnly = override?.kind === 'set-power-limit';
      const held = await deps.switchStates.get(input.siteId);
      const keptPlanVersion = limitOnly ? held?.planVersion : planVersion;
      // Arming awards or limiting power does not end an override in force; a plan, a restore or a new override does.
      const keptOverrideUntil = input.arm || limitOnly ? held?.overrideUntil : undefined;
      await deps.switchStates.put({
        siteId: input.siteId,
        status: 'commanded',
        executionName: input.ownerId,
        updatedAt: nowIso(),
        commandId: command.commandId,
        seq: command.seq,
        ...(keptPlanVersion !== undefined ? { planVersion: keptPlanVersion } : {}),
        ...(override && !limitOnly
          ? { overrideUntil: override.expiresAt }
          : keptOverrideUntil !== undefined
            ? { overrideUntil: keptOverrideUntil }
            : {}),
      });
      return command;
    },

    async commit(event: unknown) {
      const input = parse(commitInput, event, 'commit');
      const ack = input.ack as unknown as AckResult;
      // The token was this command's, so a different command in the ack means a gateway bug: do not commit it.
      if (ack.commandId !== input.command.commandId || ack.seq !== input.command.seq) {
        throw new SwitchStepError(
          SWITCH_ERRORS.ackMismatch,
          `ack for ${ack.commandId}/${ack.seq} settled the wait for ${input.command.commandId}/${input.command.seq}`,
        );
      }
      const latencyMs = Math.max(0, deps.clock.nowMs() - input.lock.acquiredAtMs);
      const previous = await deps.switchStates.get(input.siteId);
      await deps.switchStates.put({
        siteId: input.siteId,
        status: 'committed',
        executionName: input.ownerId,
        updatedAt: nowIso(),
        commandId: input.command.commandId,
        seq: input.command.seq,
        ...(previous?.planVersion !== undefined ? { planVersion: previous.planVersion } : {}),
        ...(previous?.overrideUntil !== undefined ? { overrideUntil: previous.overrideUntil } : {}),
      });
      deps.metrics.switchSucceeded(input.siteId, latencyMs);
      await deps.audit.append({
        action: 'switch.commit',
        siteId: input.siteId,
        actor: input.requestedBy,
        detail: {
          commandId: ack.commandId,
          seq: ack.seq,
          kind: input.command.kind,
          executionName: input.ownerId,
          latencyMs,
        },
      });
      return { committedAt: nowIso(), latencyMs };
    },

    /**
     * After the gateway refused the command as stale (its lastSeq in the refusal) or asked for a resync (it lost its
     * state): moves the site's counter past the gateway's lastSeq, and on a resync request takes a fresh epoch, so
     * the flow's next PrepareCommand draws a number the gateway accepts. The epoch is never lowered: a fenced-out
     * writer's refusal (stale-epoch) is not resynchronised at all. At most MAX_RESYNCS_PER_SWITCH per switch.
     */
    async resyncSequence(event: unknown) {
      const input = parse(resyncInput, event, 'resyncSequence');
      const attempts = input.resync?.attempts ?? 0;
      if (attempts >= MAX_RESYNCS_PER_SWITCH) {
        throw new SwitchStepError(
          SWITCH_ERRORS.resyncExhausted,
          `site ${input.siteId} refused again after ${attempts} resync(s): ${input.error.Cause ?? input.error.Error}`,
        );
      }
      const { lastSeq } = refusalCounters(input.error.Cause);
      const epoch =
        input.error.Error === ACK_ERRORS.resyncRequired
          ? await deps.switchStates.advanceEpoch(input.siteId)
          : undefined;
      const counter = lastSeq === undefined ? undefined : await deps.switchStates.resyncSeq(input.siteId, lastSeq);
      return {
        attempts: attempts + 1,
        ...(lastSeq !== undefined ? { gatewayLastSeq: lastSeq, counter } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
      };
    },

    /** Owner-only release; a lock already gone (a retried release, an expired lock) is not an error. */
    async releaseLock(event: unknown) {
      const { siteId, ownerId } = parse(releaseInput, event, 'releaseLock');
      const result = await deps.locks.release({ siteId, ownerId });
      return result.ok ? { released: true } : { released: false, reason: result.reason };
    },

    /**
     * Leaves the site in a known safe state after any failure: publishes the safe-mode command (no task token: nobody
     * waits for it; a newer seq supersedes whatever half-applied command came before), records the failure for the
     * switch-status view and counts it for the failed-switch alarm. The lock is released by the next state.
     */
    async compensate(event: unknown) {
      const input = parse(compensateInput, event, 'compensate');
      const failure = { error: input.error.Error, cause: (input.error.Cause ?? '').slice(0, 1000) };
      deps.metrics.switchFailed(input.siteId, failure.error);
      // A stale-seq refusal names the gateway's lastSeq: the safe-mode command must be above it, or it is refused too.
      const { lastSeq } = refusalCounters(input.error.Cause);
      if (input.error.Error === ACK_ERRORS.staleSeq && lastSeq !== undefined) {
        await deps.switchStates.resyncSeq(input.siteId, lastSeq);
      }
      const unsigned = buildSafeModeCommand({
        siteId: input.siteId,
        commandId: deps.newId(),
        ...(await deps.switchStates.allocateSeq(input.siteId)),
        nowMs: deps.clock.nowMs(),
        reason: `switch failed: ${failure.error}`,
      });
      const command = await signCommand(unsigned, deps.signer);
      await deps.publisher.publish(command);
      await deps.switchStates.put({
        siteId: input.siteId,
        status: GATEWAY_REFUSALS.has(input.error.Error) ? 'rejecting' : 'safe-mode',
        executionName: input.ownerId,
        updatedAt: nowIso(),
        commandId: command.commandId,
        seq: command.seq,
        ...failure,
      });
      await deps.audit.append({
        action: 'switch.safe-mode',
        siteId: input.siteId,
        actor: input.requestedBy,
        detail: { ...failure, failedCommandId: input.command?.commandId, safeModeCommandId: command.commandId },
      });
      return { safeModeCommandId: command.commandId, seq: command.seq, ...failure };
    },
  };
}

export type SwitchSteps = ReturnType<typeof createSwitchSteps>;

/** Task state name → step, for binding the flow's Lambda states (locally, by the runner; in AWS, one per function). */
export function switchStepHandlers(steps: SwitchSteps) {
  return {
    [SWITCH_STATES.acquireLock]: steps.acquireLock,
    [SWITCH_STATES.drain]: steps.drain,
    [SWITCH_STATES.prepare]: steps.prepareCommand,
    [SWITCH_STATES.resync]: steps.resyncSequence,
    [SWITCH_STATES.commit]: steps.commit,
    [SWITCH_STATES.release]: steps.releaseLock,
    [SWITCH_STATES.compensate]: steps.compensate,
    [SWITCH_STATES.releaseAfterFailure]: steps.releaseLock,
  };
}
