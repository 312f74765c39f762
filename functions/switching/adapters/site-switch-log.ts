import type { Clock } from '../../../core/support/clock.js';
import type { DynamoSwitchLogStore } from '../../shared/data/switch-log-store.js';
import type { SwitchAuditEntry, SwitchAuditLog } from '../ports.js';

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const int = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);

/** Each switch's end also in its site's history (GET /v1/sites/{siteId}/switches). */
export class SiteSwitchLog implements SwitchAuditLog {
  constructor(
    private readonly store: DynamoSwitchLogStore,
    private readonly clock: Clock,
  ) {}

  async append({ action, siteId, actor, detail }: SwitchAuditEntry): Promise<void> {
    const fields = {
      commandId: text(detail.commandId) ?? text(detail.safeModeCommandId),
      seq: int(detail.seq),
      latencyMs: typeof detail.latencyMs === 'number' ? detail.latencyMs : undefined,
      kind: text(detail.kind),
      executionName: text(detail.executionName),
      error: text(detail.error),
      cause: text(detail.cause),
    };
    await this.store.append({
      siteId,
      at: new Date(this.clock.nowMs()).toISOString(),
      action,
      actor,
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
    });
  }
}

/** Several audit sinks as one: each entry goes to every sink, in order. */
export function allOf(...sinks: SwitchAuditLog[]): SwitchAuditLog {
  return {
    append: async (entry) => {
      for (const sink of sinks) await sink.append(entry);
    },
  };
}
