import { type ArmedAward, armAward } from '../../../../core/ancillary/arming.js';
import { type Award, awardsHeldAfter } from '../../../../core/ancillary/awards.js';
import type { Ack } from '../../../../core/messages/ack.js';
import type { Command } from '../../../../core/messages/command.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import { ackEnvelope } from './acks-and-status.js';
import { type AcceptanceState, decide, refusedDuringResync } from './command-acceptance.js';
import type { CommandVerifier } from './command-signature.js';
import type { HoldChange } from './curtailment-book.js';
import { rungsForShed } from './ladder.js';
import type { AgentMemory } from './persistence.js';

/** What to do with one command message: answer it (and log why), or run it. */
export type CommandStep =
  | {
      readonly kind: 'answer';
      /** None for a message too broken to name the command it was. */
      readonly ack?: Ack;
      readonly event: 'command-invalid' | 'command-repeated' | 'command-refused';
      readonly detail: Record<string, unknown>;
      /** The command memory after a refusal that moves it (only a refusal while awaiting a resync does). */
      readonly acceptance?: AcceptanceState;
    }
  | { readonly kind: 'execute'; readonly command: Command; readonly fingerprint: string };

/**
 * Reads a command message against the command memory (command-acceptance.ts) and says what to do. Pure. A repeat is
 * answered with the ack sent before, marked repeated, and never run again; a stale sequence number, a reused id and an
 * expired command are refused with an ack naming why, and consume neither id nor sequence number; a message that is
 * not a command is acked as invalid only when its id and sequence number can be read. `heard` says whether it proves
 * the cloud can reach the gateway: any well-formed command for this site does, even one refused.
 */
export function admitCommand(
  text: string,
  acceptance: AcceptanceState,
  siteId: string,
  receivedAtMs: number,
  verify?: CommandVerifier,
): { readonly heard: boolean; readonly step: CommandStep } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const decision = decide(json, acceptance, siteId, receivedAtMs, verify);
  const timings = { receivedAt: new Date(receivedAtMs).toISOString() };
  switch (decision.kind) {
    case 'invalid': {
      const ack: Ack | undefined = decision.envelope && {
        siteId,
        repeated: false,
        ...decision.envelope,
        status: 'rejected',
        reason: 'invalid-schema',
        detail: decision.detail,
        timings,
      };
      const step = { kind: 'answer', event: 'command-invalid', detail: { detail: decision.detail } } as const;
      return { heard: false, step: ack ? { ...step, ack } : step };
    }
    case 'repeat':
      return {
        heard: true,
        step: {
          kind: 'answer',
          ack: decision.ack,
          event: 'command-repeated',
          detail: { commandId: decision.ack.commandId },
        },
      };
    case 'reject':
    case 'expired': {
      const { command } = decision;
      const ack: Ack = {
        ...ackEnvelope(command),
        status: decision.kind === 'expired' ? 'expired' : 'rejected',
        reason: decision.kind === 'expired' ? 'expired' : decision.reason,
        // The gateway's counters: the cloud resynchronises past them instead of repeating a refused number.
        ...(decision.kind === 'reject'
          ? { detail: decision.detail, lastSeq: acceptance.lastSeq, epoch: acceptance.highestEpoch }
          : {}),
        timings,
      };
      const detail = { commandId: command.commandId, seq: command.seq, reason: ack.reason };
      // A forged command proves nothing about the cloud: it must not feed the watchdog.
      const heard = !(decision.kind === 'reject' && decision.reason === 'bad-signature');
      const step = { kind: 'answer', ack, event: 'command-refused', detail } as const;
      if (decision.kind === 'reject' && decision.reason === 'resync-required') {
        return { heard, step: { ...step, acceptance: refusedDuringResync(acceptance, command.epoch) } };
      }
      return { heard, step };
    }
    case 'accept':
      return {
        heard: true,
        step: { kind: 'execute', command: decision.command, fingerprint: decision.fingerprint },
      };
  }
}

/**
 * What an accepted command changes in the agent's memory: the plan, the mode override, the command's curtailment and
 * when it lapses, the operator's power limit, the awards armed (`arm` picks their devices: ancillary.ts). Returns the
 * change of holds it makes (the curtailment's rungs, or all released on `restore`).
 */
export function applyCommand(
  memory: AgentMemory,
  command: Command,
  ladder: readonly LadderRung[],
  /** @default no device carries an award (a gateway without the site model): every award is short */
  arm: (awards: readonly Award[]) => ArmedAward[] = (awards) => awards.map((a) => armAward(a, [])),
): HoldChange {
  switch (command.kind) {
    case 'arm-ancillary': {
      // The awards replace those held for the same product and hours, the others stand (a later QSE message about
      // other hours loses nothing); the devices are picked again for all. A deployment goes on until its recall.
      const held = memory.ancillary.armed.map((a) => a.award);
      const awards = awardsHeldAfter(held, command.payload.awards, Date.parse(command.issuedAt));
      memory.ancillary = { ...memory.ancillary, armed: arm(awards) };
      return { reason: 'command' };
    }
    case 'apply-plan':
      memory.plan = command.payload.plan;
      return { reason: 'command' };
    case 'set-mode':
      memory.modeOverride = { mode: command.payload.mode, untilMs: Date.parse(command.payload.expiresAt) };
      return { reason: 'command' };
    case 'curtail':
      memory.commandCurtailUntilMs = Date.parse(command.payload.expiresAt);
      return { reason: 'command', hold: rungsForShed(ladder, command.payload.shedKw) };
    case 'set-power-limit':
      // The site power controller holds it from its next step; without a meter it is kept but binds nothing.
      memory.sitePower.operatorLimit = {
        limitKw: command.payload.limitKw,
        untilMs: Date.parse(command.payload.expiresAt),
        commandId: command.commandId,
      };
      return { reason: 'command' };
    case 'restore':
      memory.commandCurtailUntilMs = undefined;
      memory.modeOverride = undefined;
      memory.sitePower.operatorLimit = undefined;
      return { reason: 'command', release: 'all' };
  }
}

/** Lifts a mode override and a command's curtailment whose time is up; returns the change of holds that makes. */
export function expireCommands(memory: AgentMemory, nowMs: number): HoldChange {
  if (memory.modeOverride && memory.modeOverride.untilMs <= nowMs) memory.modeOverride = undefined;
  if (memory.commandCurtailUntilMs === undefined || memory.commandCurtailUntilMs > nowMs) return { reason: 'command' };
  memory.commandCurtailUntilMs = undefined;
  return { reason: 'command', release: 'all' };
}
