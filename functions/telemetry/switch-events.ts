import { ackSchema } from '../../core/messages/ack.js';
import { localSwitchEventSchema } from '../../core/messages/local-switch.js';
import { parseOrThrow } from '../../core/support/validation.js';
import type { FleetEventRecord } from '../../core/telemetry-history/records.js';
import { ackSwitchEvent, localSwitchEvent } from '../../core/telemetry-history/switch-events.js';

export interface SwitchEventDeps {
  /** The `fleet_events` rows (the Iceberg sink's Firehose stream). */
  readonly events: { put(rows: readonly FleetEventRecord[]): Promise<void> };
}

/**
 * A gateway message the switch rules select (an ack on `hcp/v1/sites/+/acks`, a `local-switch` event on
 * `hcp/v1/sites/+/events`) as a `fleet_events` switch row (core/telemetry-history/switch-events.ts), for the history's
 * switch-latency KPI. A receipt or a repeated ack is no switch and is ignored; a message that does not parse is an
 * error naming the field (the async invocation's retries, then its dead-letter queue, keep it). The IoT rules keep
 * only messages whose `siteId` is the site of their topic.
 */
export async function recordSwitchEvent(message: unknown, deps: SwitchEventDeps): Promise<'recorded' | 'ignored'> {
  const row =
    (message as { type?: unknown } | null)?.type === 'local-switch'
      ? localSwitchEvent(parseOrThrow(localSwitchEventSchema, message, 'local-switch event'))
      : ackSwitchEvent(parseOrThrow(ackSchema, message, 'ack'));
  if (!row) return 'ignored';
  await deps.events.put([row]);
  return 'recorded';
}
