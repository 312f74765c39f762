import type { SwitchLogEntry } from '../../core/api/operations.js';
import { localSwitchEventSchema } from '../../core/messages/local-switch.js';

export interface LocalSwitchDeps {
  readonly switchLog: { append(entry: SwitchLogEntry): Promise<void> };
}

/**
 * A gateway's own switch (its `local-switch` event) into the site's switch history, beside the SwitchFlows. Other
 * events of the topic are not switches and are ignored; a `local-switch` event that does not parse is an error naming
 * the field (the async invocation's retries, then its dead-letter queue, keep it). The site is the event's: the IoT
 * rule (and the local broker) keep only events whose `siteId` is the site of their topic, which the gateway's
 * policy pins to its own.
 */
export async function recordLocalSwitch(message: unknown, deps: LocalSwitchDeps): Promise<'recorded' | 'ignored'> {
  if ((message as { type?: unknown } | null)?.type !== 'local-switch') return 'ignored';
  const parsed = localSwitchEventSchema.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`local-switch event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const event = parsed.data;
  await deps.switchLog.append({
    siteId: event.siteId,
    at: event.at,
    action: 'switch.local',
    actor: `gateway:${event.siteId}`,
    source: 'local',
    cause: event.cause,
    latencyMs: event.latencyMs,
    devices: event.devices,
  });
  return 'recorded';
}
