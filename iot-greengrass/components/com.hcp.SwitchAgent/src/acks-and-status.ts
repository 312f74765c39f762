import type { Ack } from '../../../../core/messages/ack.js';
import type { Command, SiteMode } from '../../../../core/messages/command.js';
import { LOCAL_SWITCH_MAX_IDS, type LocalSwitchEvent } from '../../../../core/messages/local-switch.js';
import { siteTopic } from '../../../../core/messages/topics.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import type { AncillaryState } from './ancillary-state.js';
import type { ApplyReport } from './device-reconciler.js';
import type { SitePowerView } from './site-power.js';

type Log = (event: string, detail: Record<string, unknown>) => void;

const iso = (ms: number) => new Date(ms).toISOString();

/** What the agent is doing: its status heartbeat is read from this, and the local platform shows it. */
export interface SwitchAgentView {
  readonly lastSeq: number;
  /** The highest control-plane epoch accepted (fencing). */
  readonly highestEpoch: number;
  /** Started on a lost state file: commands are refused (resync-required) until one from a fresh epoch. */
  readonly awaitingResync: boolean;
  /** State writes the disk refused since start (ENOSPC, EIO). */
  readonly stateWriteFailures: number;
  readonly planVersion?: number;
  readonly intervalIndex?: number;
  readonly mode: SiteMode;
  readonly fallbackReason?: string;
  readonly heldGroups: string[];
  readonly targets: Record<string, boolean>;
  readonly devices: Record<string, number>;
  readonly drifted: string[];
  /** Devices whose last attempt failed, by failure kind. */
  readonly failures: Record<string, number>;
  readonly executions: number;
  readonly lastHeartbeatMs: number;
  /** The site power controller: meter against limit, holds, meter health (with a meter configured). */
  readonly sitePower?: SitePowerView;
  /** Ancillary awards armed (their devices), the deployment in force and the devices tripped, when any is armed. */
  readonly ancillary?: AncillaryState;
}

/** The fields every ack of a command carries: its identity, its sequence number and the flow's task token. */
export function ackEnvelope(command: Command) {
  return {
    commandId: command.commandId,
    siteId: command.siteId,
    seq: command.seq,
    ...(command.taskToken ? { taskToken: command.taskToken } : {}),
    repeated: false,
  };
}

/** The first ack of an accepted command, sent before any device is touched. Pure. */
export function receivedAck(command: Command, receivedAtMs: number): Ack {
  return { ...ackEnvelope(command), status: 'received', reason: 'ok', timings: { receivedAt: iso(receivedAtMs) } };
}

/**
 * The final ack once every device has replied. Pure. Executed when any device accepted (partially when some did
 * not), rejected as a device failure when none did; only an executed command reports when and how fast.
 */
export function finalAck(
  command: Command,
  report: Pick<ApplyReport, 'sent' | 'accepted' | 'failed'>,
  receivedAtMs: number,
  executedAtMs: number,
): Ack {
  const allFailed = report.sent > 0 && report.accepted === 0;
  const receivedAt = iso(receivedAtMs);
  return {
    ...ackEnvelope(command),
    status: allFailed ? 'rejected' : 'executed',
    reason: allFailed ? 'device-failure' : report.failed > 0 ? 'partially-applied' : 'ok',
    ...(report.failed > 0 ? { detail: `${report.failed} of ${report.sent} devices did not accept` } : {}),
    timings: allFailed
      ? { receivedAt }
      : { receivedAt, executedAt: iso(executedAtMs), executionMs: executedAtMs - receivedAtMs },
  };
}

/** The gateway's own heartbeat: what it is doing, for the platform's latest-state view and alarms. Pure. */
export function gatewayStatus(siteId: string, nowMs: number, view: SwitchAgentView) {
  return {
    siteId,
    at: iso(nowMs),
    mode: view.mode,
    ...(view.fallbackReason ? { fallbackReason: view.fallbackReason } : {}),
    ...(view.planVersion !== undefined ? { planVersion: view.planVersion } : {}),
    lastSeq: view.lastSeq,
    heldGroups: view.heldGroups,
    devices: view.devices,
    drifted: view.drifted.length,
    ...(view.sitePower ? { sitePower: view.sitePower } : {}),
  };
}

/**
 * Acks go out at QoS 1 and are recorded as pending (on disk) until the broker takes them, so an ack a crash or an
 * outage swallowed is sent again on the next start. The pending list lives in the agent's memory.
 */
export class AckPublisher {
  private closed = false;

  constructor(
    private readonly messaging: MessagingPort,
    private readonly topic: string,
    private readonly memory: { pendingAcks: Ack[] },
    private readonly persist: () => void,
    private readonly log: Log,
  ) {}

  /** Records the ack as pending on disk, then publishes it. */
  send(ack: Ack): void {
    this.memory.pendingAcks.push(ack);
    this.persist();
    this.publish(ack);
  }

  /** Publishes again every ack a restart found pending. */
  resendPending(): void {
    for (const ack of this.memory.pendingAcks) this.publish(ack);
  }

  /** The agent has stopped: a late PUBACK no longer writes the state file. */
  close(): void {
    this.closed = true;
  }

  private publish(ack: Ack): void {
    this.messaging
      .publish('cloud', this.topic, JSON.stringify(ack), 1)
      .then(() => {
        this.memory.pendingAcks = this.memory.pendingAcks.filter((a) => a !== ack);
        if (!this.closed) this.persist();
      })
      .catch((error: unknown) => this.log('ack-publish-failed', { commandId: ack.commandId, error: String(error) }));
  }
}

/** Publishes the gateway's status (QoS 0) at most every `periodMs`; a lost one is replaced by the next. */
export class StatusPublisher {
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly messaging: MessagingPort,
    private readonly topic: string,
    private readonly siteId: string,
    private readonly periodMs: number,
    private readonly log: Log,
  ) {}

  /** `view` is read only when a status is due. */
  offer(nowMs: number, view: () => SwitchAgentView): void {
    if (nowMs - this.lastMs < this.periodMs) return;
    this.lastMs = nowMs;
    this.messaging
      .publish('cloud', this.topic, JSON.stringify(gatewayStatus(this.siteId, nowMs, view())), 0)
      .catch((error: unknown) => this.log('status-publish-failed', { error: String(error) }));
  }
}

/**
 * A switch the agent made on its own (not a command's: the SwitchFlow records those), on the site's events topic
 * (QoS 1) once every device has replied, so the cloud adds it to the site's switch history. Off the signal's path.
 */
export function publishLocalSwitch(
  messaging: MessagingPort,
  siteId: string,
  switched: { readonly atMs: number; readonly cause: string; readonly report: ApplyReport; readonly latencyMs: number },
  log: Log,
): void {
  const { report } = switched;
  const event: LocalSwitchEvent = {
    type: 'local-switch',
    siteId,
    at: iso(switched.atMs),
    cause: switched.cause,
    latencyMs: Math.round(switched.latencyMs * 1000) / 1000,
    devices: {
      sent: report.sent,
      accepted: report.accepted,
      ids: report.devices.slice(0, LOCAL_SWITCH_MAX_IDS).map((d) => d.id),
    },
  };
  messaging
    .publish('cloud', siteTopic(siteId, 'events'), JSON.stringify(event), 1)
    .catch((error: unknown) => log('event-publish-failed', { error: String(error) }));
}
