import type { Ack } from '../../../core/messages/ack.js';
import type { PlanForecast } from '../../../core/model/plan.js';
import type { PlatformEvent } from '../events.js';

export interface SwitchRecord {
  readonly at: string;
  readonly siteId: string;
  readonly source: 'cloud' | 'local' | 'gateway-ack';
  readonly cause: string;
  readonly outcome: string;
  readonly latencyMs?: number;
  readonly detail?: string;
}

export interface DispatchRecord {
  readonly at: string;
  readonly status: string;
  readonly error?: string;
  readonly durationMs: number;
  /** The plan's forecaster, horizon and data age (and why a fallback, if one). */
  readonly forecast?: PlanForecast;
}

export interface InjectionRecord {
  readonly from: string;
  readonly until: string;
  readonly kind: string;
  readonly siteIds: readonly string[];
  readonly detail: string;
}

/**
 * The bounded logs the dashboard lists: switches (SwitchFlows, local reactions, gateway acks), dispatches and
 * injections, oldest dropped past `maxEvents`.
 */
export class EventLog {
  readonly switches: SwitchRecord[] = [];
  readonly dispatches: DispatchRecord[] = [];
  readonly injections: InjectionRecord[] = [];

  constructor(private readonly maxEvents: number) {}

  /**
   * An in-process dispatch, switch or injection event. A local switch without its own latency is given the real time
   * since its site's last signal (`sinceSignalRealMs`), which is what set it off.
   */
  record(
    event: Exclude<PlatformEvent, { type: 'market' }>,
    sinceSignalRealMs: (siteId: string) => number | undefined,
  ): void {
    const at = new Date(event.atMs).toISOString();
    switch (event.type) {
      case 'dispatch':
        this.keep(this.dispatches, {
          at,
          status: event.status,
          durationMs: event.durationMs,
          ...(event.error ? { error: event.error } : {}),
          ...(event.forecast ? { forecast: event.forecast } : {}),
        });
        return;
      case 'switch': {
        const latencyMs = event.latencyMs ?? (event.source === 'local' ? sinceSignalRealMs(event.siteId) : undefined);
        this.keep(this.switches, {
          at,
          siteId: event.siteId,
          source: event.source,
          cause: event.cause,
          outcome: event.outcome,
          ...(latencyMs !== undefined ? { latencyMs: Math.round(latencyMs) } : {}),
          ...(event.detail ? { detail: event.detail } : {}),
        });
        return;
      }
      case 'injection':
        this.keep(this.injections, {
          from: at,
          until: new Date(event.untilMs).toISOString(),
          kind: event.kind,
          siteIds: event.siteIds,
          detail: event.detail,
        });
        return;
    }
  }

  /** A gateway's ack as a switch, its execution time turned into real milliseconds; receipts and repeats are not. */
  recordAck(ack: Ack, simMsToRealMs: (simMs: number) => number): void {
    if (ack.status === 'received' || ack.repeated) return;
    this.keep(this.switches, {
      at: ack.timings.executedAt ?? ack.timings.receivedAt,
      siteId: ack.siteId,
      source: 'gateway-ack',
      cause: `command seq ${ack.seq}`,
      outcome: ack.status === 'executed' ? (ack.reason === 'ok' ? 'executed' : ack.reason) : ack.status,
      ...(ack.timings.executionMs !== undefined
        ? { latencyMs: Math.round(simMsToRealMs(ack.timings.executionMs)) }
        : {}),
      ...(ack.detail ? { detail: ack.detail } : {}),
    });
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > this.maxEvents) list.shift();
  }
}
