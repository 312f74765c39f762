import { z } from 'zod';
import { ackSchema } from '../../core/messages/ack.js';
import { commandSchema } from '../../core/messages/command.js';
import { gridSignalSchema } from '../../core/messages/grid-signal.js';
import { telemetryBatchSchema } from '../../core/messages/telemetry.js';
import { parseSiteTopic } from '../../core/messages/topics.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { LadderRung, PlanInterval } from '../../core/model/plan.js';
import type { Site } from '../../core/model/site.js';
import type { PlatformEvent } from './events.js';
import type { GpuWorkFigures } from './gpu-work.js';
import { RollingSeries } from './rolling-series.js';
import { accrue, type Money, type SitePower, sitePower, type UnitsPerDevice } from './site-power.js';

export interface ObserverOptions {
  readonly sites: readonly Site[];
  readonly unitsPerDevice: UnitsPerDevice;
  /** The simulated clock (chart times) and the wall clock (missing-telemetry and latency). */
  readonly simNowMs: () => number;
  readonly realNowMs?: () => number;
  /** Gateway and control-plane latencies are measured on the simulated clock: this turns them into real time. */
  readonly simMsToRealMs: (simMs: number) => number;
  /** A site silent this long (real time) raises "missing telemetry". */
  readonly telemetryStaleRealMs: number;
  /** Points kept per series. @default 720 */
  readonly maxPoints?: number;
  /** Switch events, dispatches and injections kept. @default 200 */
  readonly maxEvents?: number;
}

const SITE_KEYS = [
  'asicKw',
  'gpuKw',
  'curtailedKw',
  'capKw',
  'planKw',
  'priceUsdPerMwh',
  'miningUsd',
  'inferenceUsd',
  'energyCostUsd',
  'gpuUtilizationPct',
] as const;
/** The gateway's status heartbeat (SwitchAgent.publishStatus): only the fields the dashboard shows. */
const heartbeatSchema = z.object({
  mode: z.string(),
  heldGroups: z.array(z.string()).default([]),
  fallbackReason: z.string().optional(),
  drifted: z.number().default(0),
});
const MARKET_KEYS = ['hashpriceUsdPerThDay', 'gpuSpotUsdPerGpuHour', 'maxPriceUsdPerMwh'] as const;
/** A gap in a site's telemetry longer than this (simulated) accrues nothing: the site's state then is unknown. */
const MAX_ACCRUAL_HOURS = 0.5;

export interface SwitchRecord {
  readonly at: string;
  readonly siteId: string;
  readonly source: 'cloud' | 'local' | 'gateway-ack';
  readonly cause: string;
  readonly outcome: string;
  readonly latencyMs?: number;
  readonly detail?: string;
}

export interface Alert {
  readonly siteId: string;
  readonly kind: 'failed-switch' | 'drifted-devices' | 'missing-telemetry' | 'fallback-mode';
  readonly message: string;
}

interface SiteView {
  readonly site: Site;
  readonly series: RollingSeries<(typeof SITE_KEYS)[number]>;
  money: Money;
  power?: SitePower;
  lastBatchSimMs?: number;
  lastTelemetryRealMs?: number;
  lastSignalRealMs?: number;
  priceUsdPerMwh?: number;
  planIntervals: readonly PlanInterval[];
  planVersion?: number;
  ladder: readonly LadderRung[];
  heartbeat?: { mode: string; heldGroups: string[]; fallbackReason?: string; drifted: number };
}

/**
 * The local platform's observer: listens to everything on the broker (telemetry, acks, commands, grid and market
 * signals, gateway heartbeats) and to the control loop's in-process events, and keeps bounded rolling series per site
 * and for the fleet. The dashboard and the e2e test read `snapshot()`.
 */
export class PlatformObserver {
  private readonly views = new Map<string, SiteView>();
  private workloadFigures?: () => GpuWorkFigures;
  private readonly fleet: RollingSeries<(typeof SITE_KEYS)[number]>;
  private readonly market: RollingSeries<(typeof MARKET_KEYS)[number]>;
  private latestMarket?: MarketSnapshot;
  private readonly switches: SwitchRecord[] = [];
  private readonly dispatches: Array<{ at: string; status: string; error?: string; durationMs: number }> = [];
  private readonly injections: Array<{
    from: string;
    until: string;
    kind: string;
    siteIds: readonly string[];
    detail: string;
  }> = [];
  private rejected = 0;
  private readonly realNowMs: () => number;
  private readonly startedRealMs: number;

  constructor(private readonly options: ObserverOptions) {
    const maxPoints = options.maxPoints ?? 720;
    for (const site of options.sites) {
      this.views.set(site.id, {
        site,
        series: new RollingSeries(SITE_KEYS, maxPoints),
        money: { miningUsd: 0, inferenceUsd: 0, energyCostUsd: 0 },
        planIntervals: [],
        ladder: [],
      });
    }
    this.fleet = new RollingSeries(SITE_KEYS, maxPoints);
    this.market = new RollingSeries(MARKET_KEYS, maxPoints);
    this.realNowMs = options.realNowMs ?? Date.now;
    this.startedRealMs = this.realNowMs();
  }

  /** MQTT topics to subscribe to. */
  static readonly topics = ['hcp/v1/sites/+/+', 'hcp/v1/market/+/signals'];

  /** One broker message; anything malformed is counted, never thrown. */
  handleMessage(topic: string, payload: Buffer | string): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      this.rejected += 1;
      return;
    }
    const market = /^hcp\/v1\/market\/([A-Z][A-Z0-9_]+)\/signals$/.exec(topic);
    if (market) {
      this.onSignal(
        json,
        [...this.views.values()].filter((v) => v.site.marketNode === market[1]),
      );
      return;
    }
    const site = parseSiteTopic(topic);
    const view = site && this.views.get(site.siteId);
    if (!site || !view) return;
    if (site.kind === 'telemetry') this.onTelemetry(view, json);
    else if (site.kind === 'commands') this.onCommand(view, json);
    else if (site.kind === 'acks') this.onAck(json);
    else if (site.kind === 'heartbeat') this.onHeartbeat(view, json);
    else if (site.kind === 'grid') this.onSignal(json, [view]);
  }

  /** An in-process event of the control loop, a gateway, the market replay or the injection control. */
  record(event: PlatformEvent): void {
    const at = new Date(event.atMs).toISOString();
    switch (event.type) {
      case 'dispatch':
        this.keep(this.dispatches, {
          at,
          status: event.status,
          durationMs: event.durationMs,
          ...(event.error ? { error: event.error } : {}),
        });
        return;
      case 'switch': {
        const view = this.views.get(event.siteId);
        const latencyMs =
          event.latencyMs ??
          (event.source === 'local' && view?.lastSignalRealMs !== undefined
            ? this.realNowMs() - view.lastSignalRealMs
            : undefined);
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
      case 'market':
        this.onMarket(event.atMs, event.snapshot);
        return;
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

  /** The message as the contract says, or undefined after counting it as rejected. */
  private accept<T>(schema: z.ZodType<T>, json: unknown): T | undefined {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    this.rejected += 1;
    return undefined;
  }

  private toRealMs(simMs: number): number {
    return this.options.simMsToRealMs(simMs);
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > (this.options.maxEvents ?? 200)) list.shift();
  }

  private onSignal(json: unknown, views: SiteView[]): void {
    const signal = this.accept(gridSignalSchema, json);
    if (!signal) return;
    for (const view of views) {
      view.lastSignalRealMs = this.realNowMs();
      if (signal.kind === 'price') view.priceUsdPerMwh = signal.priceUsdPerMwh;
    }
  }

  private onMarket(atMs: number, snapshot: MarketSnapshot): void {
    this.latestMarket = snapshot;
    this.market.push(atMs, {
      hashpriceUsdPerThDay: snapshot.hashprice.hashpriceUsdPerThDay,
      gpuSpotUsdPerGpuHour: snapshot.gpuSpotUsdPerGpuHour,
      maxPriceUsdPerMwh: Math.max(...snapshot.prices.map((p) => p.realTimeUsdPerMwh)),
    });
  }

  private onTelemetry(view: SiteView, json: unknown): void {
    const batch = this.accept(telemetryBatchSchema, json);
    if (!batch) return;
    const atMs = Date.parse(batch.sentAt);
    const power = sitePower(view.site, batch, this.options.unitsPerDevice);
    const price = view.priceUsdPerMwh;
    if (view.power && view.lastBatchSimMs !== undefined && price !== undefined && this.latestMarket) {
      const hours = (atMs - view.lastBatchSimMs) / 3_600_000;
      if (hours > 0 && hours <= MAX_ACCRUAL_HOURS) {
        const added = accrue(view.power, hours, {
          priceUsdPerMwh: price,
          hashpriceUsdPerThDay: this.latestMarket.hashprice.hashpriceUsdPerThDay,
          gpuSpotUsdPerGpuHour: this.latestMarket.gpuSpotUsdPerGpuHour,
        });
        view.money = {
          miningUsd: view.money.miningUsd + added.miningUsd,
          inferenceUsd: view.money.inferenceUsd + added.inferenceUsd,
          energyCostUsd: view.money.energyCostUsd + added.energyCostUsd,
        };
      }
    }
    view.power = power;
    view.lastBatchSimMs = atMs;
    view.lastTelemetryRealMs = this.realNowMs();
    view.series.push(atMs, {
      asicKw: power.asicKw,
      gpuKw: power.gpuKw,
      curtailedKw: power.curtailedKw,
      capKw: view.site.interconnectLimitMw * 1000,
      planKw: plannedKw(view.planIntervals, atMs),
      priceUsdPerMwh: price ?? null,
      ...view.money,
      gpuUtilizationPct: power.gpuUtilizationPct,
    });
    this.pushFleetPoint(atMs);
  }

  /** The fleet point at `atMs`: each site's latest values summed (price: the highest of the sites'). */
  private pushFleetPoint(atMs: number): void {
    const views = [...this.views.values()].filter((v) => v.series.length > 0);
    const sum = (key: (typeof SITE_KEYS)[number]) => views.reduce((total, v) => total + (v.series.last(key) ?? 0), 0);
    const prices = views.map((v) => v.priceUsdPerMwh).filter((p): p is number => p !== undefined);
    const utilization = views.map((v) => v.power?.gpuUtilizationPct).filter((u): u is number => u != null);
    this.fleet.push(atMs, {
      asicKw: sum('asicKw'),
      gpuKw: sum('gpuKw'),
      curtailedKw: sum('curtailedKw'),
      capKw: sum('capKw'),
      planKw: views.some((v) => v.series.last('planKw') !== null) ? sum('planKw') : null,
      priceUsdPerMwh: prices.length ? Math.max(...prices) : null,
      miningUsd: sum('miningUsd'),
      inferenceUsd: sum('inferenceUsd'),
      energyCostUsd: sum('energyCostUsd'),
      gpuUtilizationPct: utilization.length ? utilization.reduce((a, b) => a + b, 0) / utilization.length : null,
    });
  }

  private onCommand(view: SiteView, json: unknown): void {
    const command = this.accept(commandSchema, json);
    if (command?.kind !== 'apply-plan') return;
    const { plan } = command.payload;
    const sitePlan = plan.sites.find((s) => s.siteId === view.site.id);
    if (!sitePlan) return;
    view.planIntervals = sitePlan.intervals;
    view.ladder = sitePlan.ladder;
    view.planVersion = plan.version;
  }

  private onAck(json: unknown): void {
    const ack = this.accept(ackSchema, json);
    if (!ack || ack.status === 'received' || ack.repeated) return;
    this.keep(this.switches, {
      at: ack.timings.executedAt ?? ack.timings.receivedAt,
      siteId: ack.siteId,
      source: 'gateway-ack',
      cause: `command seq ${ack.seq}`,
      outcome: ack.status === 'executed' ? (ack.reason === 'ok' ? 'executed' : ack.reason) : ack.status,
      ...(ack.timings.executionMs !== undefined
        ? { latencyMs: Math.round(this.toRealMs(ack.timings.executionMs)) }
        : {}),
      ...(ack.detail ? { detail: ack.detail } : {}),
    });
  }

  private onHeartbeat(view: SiteView, json: unknown): void {
    const status = this.accept(heartbeatSchema, json);
    if (!status) return;
    view.heartbeat = {
      mode: status.mode,
      heldGroups: status.heldGroups,
      ...(status.fallbackReason ? { fallbackReason: status.fallbackReason } : {}),
      drifted: status.drifted,
    };
  }

  alerts(): Alert[] {
    const nowRealMs = this.realNowMs();
    const alerts: Alert[] = [];
    for (const view of this.views.values()) {
      const siteId = view.site.id;
      const lastSeenMs = view.lastTelemetryRealMs ?? this.startedRealMs;
      if (nowRealMs - lastSeenMs > this.options.telemetryStaleRealMs) {
        alerts.push({
          siteId,
          kind: 'missing-telemetry',
          message: `no telemetry for ${Math.round((nowRealMs - lastSeenMs) / 1000)} s`,
        });
      }
      const drifted = Math.max(view.power?.drifted ?? 0, view.heartbeat?.drifted ?? 0);
      if (drifted > 0)
        alerts.push({ siteId, kind: 'drifted-devices', message: `${drifted} devices not in their commanded state` });
      if (view.heartbeat?.fallbackReason) {
        alerts.push({
          siteId,
          kind: 'fallback-mode',
          message: `gateway in ${view.heartbeat.mode}: ${view.heartbeat.fallbackReason}`,
        });
      }
    }
    for (const s of this.switches.slice(-20)) {
      if (s.outcome === 'failed' || s.outcome === 'rejected' || s.outcome === 'expired') {
        alerts.push({
          siteId: s.siteId,
          kind: 'failed-switch',
          message: `${s.source} ${s.cause} ${s.outcome} at ${s.at}${s.detail ? `: ${s.detail}` : ''}`,
        });
      }
    }
    return alerts;
  }

  /** Everything the dashboard draws, as JSON. */
  /** Where the GPU work figures come from (queue depth, preemptions, webhook deliveries): the platform's GpuWork. */
  setWorkloadFigures(source: () => GpuWorkFigures): void {
    this.workloadFigures = source;
  }

  snapshot() {
    const simNowMs = this.options.simNowMs();
    return {
      simNow: new Date(simNowMs).toISOString(),
      sites: [...this.views.values()].map((view) => ({
        id: view.site.id,
        name: view.site.name,
        marketNode: view.site.marketNode,
        capKw: view.site.interconnectLimitMw * 1000,
        priceUsdPerMwh: view.priceUsdPerMwh ?? null,
        planVersion: view.planVersion ?? null,
        plannedKw: plannedKw(view.planIntervals, simNowMs),
        mode: view.heartbeat?.mode ?? null,
        heldGroups: view.heartbeat?.heldGroups ?? [],
        ladder: view.ladder,
        power: view.power ?? null,
        money: view.money,
        series: view.series.toJSON(),
      })),
      fleet: { series: this.fleet.toJSON() },
      market: {
        latest: this.latestMarket ?? null,
        series: this.market.toJSON(),
      },
      switches: [...this.switches].reverse(),
      dispatches: { count: this.dispatches.length, recent: [...this.dispatches].reverse().slice(0, 10) },
      injections: [...this.injections].reverse(),
      workloads: this.workloadFigures?.() ?? null,
      alerts: this.alerts(),
      rejectedMessages: this.rejected,
    };
  }
}

export type ObserverSnapshot = ReturnType<PlatformObserver['snapshot']>;

/** The plan's site power in the interval containing `atMs`; null before the first plan or past its horizon. */
export function plannedKw(intervals: readonly PlanInterval[], atMs: number): number | null {
  let current: PlanInterval | undefined;
  for (const interval of intervals) {
    if (Date.parse(interval.startsAt) <= atMs) current = interval;
    else break;
  }
  return current ? current.sitePowerKw : null;
}
