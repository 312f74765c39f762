import type { SwitchRecord } from './event-log.js';
import type { SiteView } from './site-view.js';

export interface Alert {
  readonly siteId: string;
  readonly kind: 'failed-switch' | 'drifted-devices' | 'missing-telemetry' | 'fallback-mode';
  readonly message: string;
  /** When it happened (simulated ISO time) for a past event; absent for a condition that holds now. */
  readonly at?: string;
}

/** The alerts of one site and kind: how many, and the newest. */
export interface AlertGroup {
  readonly siteId: string;
  readonly kind: Alert['kind'];
  readonly count: number;
  /** The newest alert's message. */
  readonly message: string;
  readonly at?: string;
}

export interface AlertClock {
  readonly nowRealMs: number;
  /** A site never heard from counts as silent since the observer started. */
  readonly startedRealMs: number;
  /** A site silent this long (real time) raises "missing telemetry". */
  readonly telemetryStaleRealMs: number;
}

/** How many of the latest switches are looked at for failures. */
const RECENT_SWITCHES = 20;
const FAILED_OUTCOMES = new Set(['failed', 'rejected', 'expired']);

/** Per site: missing telemetry, drifted devices (telemetry or heartbeat, the higher), the gateway in fallback. */
function siteAlerts(view: SiteView, clock: AlertClock): Alert[] {
  const alerts: Alert[] = [];
  const siteId = view.site.id;
  const silentMs = clock.nowRealMs - (view.lastTelemetryRealMs ?? clock.startedRealMs);
  if (silentMs > clock.telemetryStaleRealMs) {
    alerts.push({ siteId, kind: 'missing-telemetry', message: `no telemetry for ${Math.round(silentMs / 1000)} s` });
  }
  const drifted = Math.max(view.power?.drifted ?? 0, view.heartbeat?.drifted ?? 0);
  if (drifted > 0) {
    alerts.push({ siteId, kind: 'drifted-devices', message: `${drifted} devices not in their commanded state` });
  }
  if (view.heartbeat?.fallbackReason) {
    alerts.push({
      siteId,
      kind: 'fallback-mode',
      message: `gateway in ${view.heartbeat.mode}: ${view.heartbeat.fallbackReason}`,
    });
  }
  return alerts;
}

/** A failed, rejected or expired switch among the latest ones. */
function switchAlerts(switches: readonly SwitchRecord[]): Alert[] {
  return switches
    .slice(-RECENT_SWITCHES)
    .filter((s) => FAILED_OUTCOMES.has(s.outcome))
    .map((s) => ({
      siteId: s.siteId,
      kind: 'failed-switch',
      at: s.at,
      message: `${s.source} ${s.cause} ${s.outcome} at ${s.at}${s.detail ? `: ${s.detail}` : ''}`,
    }));
}

/** Everything the dashboard raises: each site's alerts, then the failed switches. */
export function alertsOf(views: Iterable<SiteView>, switches: readonly SwitchRecord[], clock: AlertClock): Alert[] {
  return [...[...views].flatMap((view) => siteAlerts(view, clock)), ...switchAlerts(switches)];
}

/** Newest first: a condition that holds now before any past event, then by time, latest first. */
const newestFirst = (a: { at?: string }, b: { at?: string }) =>
  a.at === undefined ? (b.at === undefined ? 0 : -1) : b.at === undefined ? 1 : b.at.localeCompare(a.at);

/** One group per site and kind, with its count and newest alert; groups newest first. Pure. */
export function groupAlerts(alerts: readonly Alert[]): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const alert of [...alerts].sort(newestFirst)) {
    const key = `${alert.siteId}\u0000${alert.kind}`;
    const group = groups.get(key);
    groups.set(key, group ? { ...group, count: group.count + 1 } : { ...alert, count: 1 });
  }
  return [...groups.values()];
}
