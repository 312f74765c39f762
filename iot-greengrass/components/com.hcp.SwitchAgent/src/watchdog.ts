/**
 * The fail-safe rule: without a cloud heartbeat for `heartbeatTimeoutMs`, or without a plan interval in force, the
 * site runs the configured default mode. Pure.
 */
export interface WatchdogInput {
  readonly nowMs: number;
  /** The last heartbeat or valid command from the cloud; the start time before any arrived. */
  readonly lastHeartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly planActive: boolean;
}

export type WatchdogVerdict =
  | { readonly fallback: false }
  | { readonly fallback: true; readonly reason: 'heartbeat-missing' | 'no-active-plan' };

export function evaluateWatchdog(input: WatchdogInput): WatchdogVerdict {
  if (input.nowMs - input.lastHeartbeatMs > input.heartbeatTimeoutMs)
    return { fallback: true, reason: 'heartbeat-missing' };
  if (!input.planActive) return { fallback: true, reason: 'no-active-plan' };
  return { fallback: false };
}
