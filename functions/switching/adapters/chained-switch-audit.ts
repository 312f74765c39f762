import { PLATFORM_TENANT_ID } from '../../../core/api/access.js';
import { type AuditDeps, appendAudit } from '../../shared/data/audit-log.js';
import type { SwitchAuditEntry, SwitchAuditLog } from '../ports.js';

type AuditValue = string | number | boolean;

/** The entry's facts as the audit chain stores them: primitives kept, anything else as (bounded) JSON, absent dropped. */
function flatDetail(detail: Record<string, unknown>): Record<string, AuditValue> {
  const flat: Record<string, AuditValue> = {};
  for (const [key, value] of Object.entries(detail)) {
    if (value === undefined || value === null) continue;
    flat[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value).slice(0, 500);
  }
  return flat;
}

/**
 * A command commits once: CommitSwitch retried by Step Functions after its answer was lost appends nothing more.
 * Safe-mode entries need no key, as each compensation publishes a command of its own.
 */
function onceKeyOf(entry: SwitchAuditEntry): { onceKey?: string } {
  const commandId = entry.detail.commandId;
  return entry.action === 'switch.commit' && typeof commandId === 'string' && commandId
    ? { onceKey: `${entry.action}/${entry.siteId}/${commandId}` }
    : {};
}

/**
 * Every switching command committed or compensated, appended to the platform's hash-chained audit log (the chain
 * admins read at GET /v1/audit?chain=platform), beside the API's own entries for overrides.
 */
export class ChainedSwitchAudit implements SwitchAuditLog {
  constructor(private readonly deps: AuditDeps) {}

  async append(entry: SwitchAuditEntry): Promise<void> {
    const executionName = entry.detail.executionName;
    await appendAudit(
      this.deps,
      {
        actor: entry.actor,
        tenantId: PLATFORM_TENANT_ID,
        action: entry.action,
        target: `site/${entry.siteId}`,
        requestId: typeof executionName === 'string' && executionName ? executionName : 'switch-flow',
        detail: flatDetail(entry.detail),
      },
      PLATFORM_TENANT_ID,
      onceKeyOf(entry),
    );
  }
}
