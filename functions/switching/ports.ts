import type { Command } from '../../core/messages/command.js';

export type SwitchStatus = 'draining' | 'commanded' | 'committed' | 'safe-mode';

/** A site's switching state, as the API's switch-status view reads it. */
export interface SiteSwitchState {
  readonly siteId: string;
  readonly status: SwitchStatus;
  readonly executionName: string;
  readonly updatedAt: string;
  readonly planVersion?: number;
  readonly commandId?: string;
  readonly seq?: number;
  /** An operator override's expiry: dispatch leaves the site alone until then. */
  readonly overrideUntil?: string;
  /** Set while draining: the workload router stops assigning work to the site. */
  readonly drainingSince?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface SwitchStateStore {
  /** The next command sequence number of the site: strictly increasing, never reused. */
  allocateSeq(siteId: string): Promise<number>;
  put(state: SiteSwitchState): Promise<void>;
  get(siteId: string): Promise<SiteSwitchState | undefined>;
}

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
