import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ackSchema } from '../../../../core/messages/ack.js';
import { siteModeSchema } from '../../../../core/messages/command.js';
import { planSchema } from '../../../../core/model/plan.js';

/**
 * What survives a restart: the active plan, the sequence and command memory, pending acks, overrides and holds. One
 * JSON file, replaced atomically (write then rename), so a crash leaves either the old state or the new one.
 */
export const agentStateSchema = z.object({
  version: z.literal(1),
  lastSeq: z.number().int().nonnegative(),
  /** Absent in a file written before fencing: no epoch seen yet. */
  highestEpoch: z.number().int().nonnegative().optional(),
  recent: z.array(z.object({ commandId: z.string(), fingerprint: z.string(), ack: ackSchema })),
  plan: planSchema.optional(),
  modeOverride: z.object({ mode: siteModeSchema, untilMs: z.number() }).optional(),
  commandCurtailUntilMs: z.number().optional(),
  lastHeartbeatMs: z.number(),
  pendingAcks: z.array(ackSchema),
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

export class StateFile {
  private lastWritten = '';

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  /** The saved state, or undefined on first start. A corrupt file stops the agent: guessing could re-execute. */
  load(): AgentState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    this.lastWritten = text;
    return agentStateSchema.parse(JSON.parse(text));
  }

  /** Writes only when something changed. */
  save(state: AgentState): void {
    const text = JSON.stringify(state);
    if (text === this.lastWritten) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    this.lastWritten = text;
  }
}
