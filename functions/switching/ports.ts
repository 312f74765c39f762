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

/**
 * Signs commands (ES256, core/messages/command-signature.ts): AWS KMS in AWS, a key the local platform generates
 * locally. `kid` is what the gateways' configuration lists the public key under.
 */
export interface CommandSigner {
  readonly kid: string;
  /** The raw ECDSA P-256 signature (r‖s, 64 bytes) of SHA-256 over `input`. */
  sign(input: string): Promise<Uint8Array>;
}

/** The override record's side of a cancel race (functions/shared/data/override-store.ts `claimForCommand`). */
export interface OverrideClaims {
  /** False when the override of `executionName` was cancelled or replaced before its command could be published. */
  claimForCommand(siteId: string, executionName: string, atIso: string): Promise<boolean>;
}
