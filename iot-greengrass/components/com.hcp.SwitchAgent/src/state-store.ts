import * as nodeFs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ackSchema } from '../../../../core/messages/ack.js';
import { siteModeSchema } from '../../../../core/messages/command.js';
import { planSchema } from '../../../../core/model/plan.js';
import { type DurableFs, writeFileAtomically, writeFileDurably } from '../../../adapters/durable-file.js';
import { ancillaryStateSchema } from './ancillary-state.js';

/**
 * The site power controller's memory: its holds (asleep) and trims (lowered power targets) by when, and the limits
 * that reach it as signals or commands (a demand-response deployment, the operator's cap until its expiry). Saved
 * before the sends a change starts, so a crash mid-reaction neither forgets a one-shot deployment nor wakes what it
 * held.
 */
export const sitePowerStateSchema = z.object({
  held: z.record(z.string(), z.number()),
  trimmed: z.record(z.string(), z.number()),
  demandResponse: z.object({ limitKw: z.number().nonnegative(), eventId: z.string() }).optional(),
  operatorLimit: z
    .object({ limitKw: z.number().positive(), untilMs: z.number(), commandId: z.string().optional() })
    .optional(),
});
export type SitePowerState = z.infer<typeof sitePowerStateSchema>;

/**
 * What survives a restart: the active plan, the sequence and command memory, pending acks, overrides and holds. One
 * JSON file, replaced atomically and durably (write, fsync, rename, fsync the directory).
 */
export const agentStateSchema = z.object({
  version: z.literal(1),
  lastSeq: z.number().int().nonnegative(),
  /** Absent in a file written before fencing: no epoch seen yet. */
  highestEpoch: z.number().int().nonnegative().optional(),
  awaitingResync: z.object({ refusedUpToEpoch: z.number().int().nonnegative().nullable() }).optional(),
  recent: z.array(z.object({ commandId: z.string(), fingerprint: z.string(), ack: ackSchema })),
  plan: planSchema.optional(),
  modeOverride: z.object({ mode: siteModeSchema, untilMs: z.number() }).optional(),
  commandCurtailUntilMs: z.number().optional(),
  lastHeartbeatMs: z.number(),
  /** Absent in a file written before ancillary awards: nothing armed. */
  ancillary: ancillaryStateSchema.optional(),
  pendingAcks: z.array(ackSchema),
  /** Absent in a file written before the site power controller kept its memory. */
  sitePower: sitePowerStateSchema.optional(),
  book: z.object({
    holds: z.array(
      z.object({
        groupId: z.string(),
        reasons: z.array(z.enum(['price', 'demand-response', 'frequency', 'command'])),
        sinceMs: z.number(),
      }),
    ),
    restoreQueue: z.array(z.string()),
    lastBatchAtMs: z.number(),
  }),
});
export type AgentState = z.infer<typeof agentStateSchema>;

/** The file operations the state file needs; a test passes a fake that fails as a full or broken disk does. */
export interface StateFs extends DurableFs {
  readFileSync(file: string, encoding: 'utf8'): string;
  mkdirSync(dir: string, options: { recursive: true }): unknown;
}

/** What a start finds: nothing (first start), a state, or a file it cannot read (zero-length, truncated, invalid). */
export type LoadedState =
  | { readonly kind: 'none' }
  | { readonly kind: 'state'; readonly state: AgentState }
  | { readonly kind: 'corrupt'; readonly detail: string };

export class StateFile {
  /** What the file holds durably, and what it holds at all (written, perhaps not yet flushed). */
  private lastDurable = '';
  private lastWritten = '';

  constructor(
    private readonly file: string,
    private readonly fs: StateFs = nodeFs,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  /**
   * The saved state. A corrupt file is reported, not thrown: the agent must still start (its watchdog and local
   * curtailment protect the site) and waits for the cloud to resynchronise before it takes a command.
   */
  load(): LoadedState {
    let text: string;
    try {
      text = this.fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'corrupt', detail: text.length === 0 ? 'zero-length state file' : 'state file is not JSON' };
    }
    const parsed = agentStateSchema.safeParse(json);
    if (!parsed.success) return { kind: 'corrupt', detail: `state file: ${parsed.error.issues[0]?.message}` };
    this.lastDurable = text;
    this.lastWritten = text;
    return { kind: 'state', state: parsed.data };
  }

  /**
   * Writes only when something changed, atomically and durably (adapters/durable-file.ts); `written`: atomically but
   * without waiting for the disk (survives a crash of the process, not a power cut), for the path of a signal, which
   * then saves durably once its commands are on the wire.
   */
  save(state: AgentState, durability: 'durable' | 'written' = 'durable'): void {
    const text = JSON.stringify(state);
    if (text === this.lastDurable) return;
    if (durability === 'written') {
      if (text === this.lastWritten) return;
      writeFileAtomically(this.file, text, this.fs);
      this.lastWritten = text;
      return;
    }
    writeFileDurably(this.file, text, this.fs);
    this.lastDurable = text;
    this.lastWritten = text;
  }
}
