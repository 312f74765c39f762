import type { Logger } from '@aws-lambda-powertools/logger';
import type { SwitchAuditEntry, SwitchAuditLog } from '../ports.js';

/**
 * Writes switching audit entries to the function's structured log. The hash-chained audit table belongs to the API
 * (functions/shared/data, `appendAudit`); this adapter stands in until it lands and is swapped in runtime.ts.
 */
export class LogSwitchAudit implements SwitchAuditLog {
  constructor(private readonly logger: Logger) {}

  async append(entry: SwitchAuditEntry): Promise<void> {
    this.logger.info('audit', { audit: entry });
  }
}
