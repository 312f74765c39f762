import type { Ack } from '../messages/ack.js';
import type { LocalSwitchEvent } from '../messages/local-switch.js';
import { type FleetEventRecord, fleetEventRecord } from './records.js';

/**
 * The switches of `fleet_events` from the gateways' own messages, as the cloud reads them (the local platform's
 * observer keeps the same sources: sim/platform/observer/event-log.ts). The switch-latency KPI
 * (queries.ts `fleetEventKpisSql`) reads the gateway's latencies of the executed ones.
 */

/**
 * A gateway's ack of a command (a SwitchFlow's plan or setpoint) as a `gateway-ack` switch: when it was executed (or
 * refused), the gateway's time from receipt to the hardware confirming, executed with `ok`. A receipt is not a switch
 * and a repeated ack was counted when first sent: neither is a row.
 */
export function ackSwitchEvent(ack: Ack): FleetEventRecord | undefined {
  if (ack.status === 'received' || ack.repeated) return undefined;
  const at = ack.timings.executedAt ?? ack.timings.receivedAt;
  const ok = ack.status === 'executed' && ack.reason === 'ok';
  return fleetEventRecord(ack.siteId, Date.parse(at), 'switch', 'gateway-ack', ack.timings.executionMs ?? null, ok);
}

/**
 * A switch the gateway made on its own (a grid signal, its power controller) as a `local` switch: its decision to
 * the last device's reply, in real ms; ok when every device it asked accepted.
 */
export function localSwitchEvent(event: LocalSwitchEvent): FleetEventRecord {
  const ok = event.devices.accepted === event.devices.sent;
  return fleetEventRecord(event.siteId, Date.parse(event.at), 'switch', 'local', event.latencyMs, ok);
}
