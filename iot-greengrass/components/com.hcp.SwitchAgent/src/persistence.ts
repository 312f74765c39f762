import type { Ack } from '../../../../core/messages/ack.js';
import type { SiteMode } from '../../../../core/messages/command.js';
import type { Plan } from '../../../../core/model/plan.js';
import { type AncillaryState, noAncillary } from './ancillary-state.js';
import type { AcceptanceState } from './command-acceptance.js';
import { CurtailmentBook, type RestorePolicy } from './curtailment-book.js';
import { type AgentState, type SitePowerState, StateFile, type StateFs } from './state-store.js';

/** An operator's `set-mode`, in force until it expires or a `restore` lifts it. */
export interface ModeOverride {
  readonly mode: SiteMode;
  readonly untilMs: number;
}

/**
 * What the agent must not forget across a restart: the command memory (sequence, recent ids and their acks), the
 * plan, the overrides, when the cloud was last heard, the acks the broker has not taken, and the holds. The parts of
 * the agent change it in place; the agent writes it whole after every change.
 */
export interface AgentMemory {
  acceptance: AcceptanceState;
  plan: Plan | undefined;
  modeOverride: ModeOverride | undefined;
  /** When the holds of a `curtail` command lapse. */
  commandCurtailUntilMs: number | undefined;
  lastHeartbeatMs: number;
  pendingAcks: Ack[];
  /** The site power controller's holds, trims and limits; the controller changes it in place. */
  readonly sitePower: SitePowerState;
  readonly book: CurtailmentBook;
  /** Ancillary awards armed, their deployment and trips (ancillary.ts). */
  ancillary: AncillaryState;
}

/** The memory a saved state gives back; a first start begins empty, its start time counting as a heartbeat. Pure. */
export function memoryFrom(
  saved: AgentState | undefined,
  policy: RestorePolicy,
  nowMs: number,
  lost = false,
): AgentMemory {
  // A lost state (corrupt file) starts empty but awaiting a resync: lastSeq 0 must not let old commands back in.
  const awaitingResync = lost ? { refusedUpToEpoch: null } : saved?.awaitingResync;
  return {
    acceptance: {
      lastSeq: saved?.lastSeq ?? 0,
      highestEpoch: saved?.highestEpoch ?? 0,
      recent: saved?.recent ?? [],
      ...(awaitingResync ? { awaitingResync } : {}),
    },
    plan: saved?.plan,
    modeOverride: saved?.modeOverride,
    commandCurtailUntilMs: saved?.commandCurtailUntilMs,
    // A fresh start counts as a heartbeat: the watchdog then gives the cloud its full timeout to speak.
    lastHeartbeatMs: saved?.lastHeartbeatMs ?? nowMs,
    pendingAcks: saved?.pendingAcks ?? [],
    sitePower: saved?.sitePower ?? { held: {}, trimmed: {} },
    book: new CurtailmentBook(policy, saved?.book),
    ancillary: saved?.ancillary ?? noAncillary(),
  };
}

/** The memory as the state file holds it. Pure. */
export function stateOf(memory: AgentMemory): AgentState {
  return {
    version: 1,
    lastSeq: memory.acceptance.lastSeq,
    highestEpoch: memory.acceptance.highestEpoch,
    ...(memory.acceptance.awaitingResync ? { awaitingResync: memory.acceptance.awaitingResync } : {}),
    recent: [...memory.acceptance.recent],
    plan: memory.plan,
    modeOverride: memory.modeOverride,
    commandCurtailUntilMs: memory.commandCurtailUntilMs,
    lastHeartbeatMs: memory.lastHeartbeatMs,
    pendingAcks: memory.pendingAcks,
    sitePower: memory.sitePower,
    book: memory.book.snapshot() as AgentState['book'],
    ancillary: memory.ancillary,
  };
}

/** The memory on disk (state-store.ts: one JSON file replaced atomically, written only when it changed). */
export class MemoryFile {
  private readonly file: StateFile;
  /** Saves the disk refused (ENOSPC, EIO); the next change writes the whole memory again. */
  writeFailures = 0;

  constructor(
    path: string,
    private readonly log: (event: string, detail: Record<string, unknown>) => void = () => undefined,
    fs?: StateFs,
  ) {
    this.file = new StateFile(path, fs);
  }

  /**
   * The saved memory, or a fresh one on first start. A corrupt file gives an empty memory awaiting a resync (never
   * guessing: that could re-execute a command), so the agent runs its default mode and its local protection.
   */
  load(policy: RestorePolicy, nowMs: number): AgentMemory {
    const loaded = this.file.load();
    if (loaded.kind === 'corrupt') this.log('state-lost', { detail: loaded.detail });
    return memoryFrom(loaded.kind === 'state' ? loaded.state : undefined, policy, nowMs, loaded.kind === 'corrupt');
  }

  /** A full or failing disk is counted and logged, and the agent goes on: its protection matters more than the file. */
  save(memory: AgentMemory, durability: 'durable' | 'written' = 'durable'): void {
    try {
      this.file.save(stateOf(memory), durability);
    } catch (error) {
      this.writeFailures += 1;
      this.log('state-write-failed', { code: (error as NodeJS.ErrnoException).code, failures: this.writeFailures });
    }
  }
}
