import type { Command } from '../../core/messages/command.js';

/** Publishes a command to the site's command topic (IoT Core in AWS, the local broker in the sim). */
export interface CommandPublisher {
  publish(command: Command): Promise<void>;
}

/** Switching metrics: the dashboard's success rate and latency, and the failed-switch alarm. */
export interface SwitchMetrics {
  switchSucceeded(siteId: string, latencyMs: number): void;
  switchFailed(siteId: string, error: string): void;
}

export interface SwitchAuditEntry {
  readonly action: 'switch.commit' | 'switch.safe-mode';
  readonly siteId: string;
  readonly actor: string;
  readonly detail: Record<string, unknown>;
}

/** The audit trail of switching commands (append-only). */
export interface SwitchAuditLog {
  append(entry: SwitchAuditEntry): Promise<void>;
}
