import type { Ack } from '../../../../core/messages/ack.js';
import type { Command, SiteMode } from '../../../../core/messages/command.js';
import { type GridSignal, gridSignalSchema, UNDER_FREQUENCY_TRIP_HZ } from '../../../../core/messages/grid-signal.js';
import { marketTopic, siteTopic } from '../../../../core/messages/topics.js';
import type { LadderRung, Plan } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import type { Clock } from '../../../../core/support/clock.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import { type AcceptanceState, decide, remember } from './command-acceptance.js';
import type { SwitchAgentConfig } from './config.js';
import { CurtailmentBook, type HoldReason } from './curtailment-book.js';
import { type ApplyReport, DeviceReconciler } from './device-reconciler.js';
import { rungsAbovePrice, rungsBelowRestorePrice, rungsForShed } from './ladder.js';
import { activeInterval } from './plan-schedule.js';
import { type AgentState, StateFile } from './state-store.js';
import { type DeviceTarget, targetStates } from './target-state.js';
import { evaluateWatchdog } from './watchdog.js';

export interface SwitchAgentDeps {
  readonly config: SwitchAgentConfig;
  readonly devices: readonly GatewayDevice[];
  readonly driver: DeviceDriver;
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  /** Where the agent keeps its state across restarts. */
  readonly stateFile: string;
  /** The site model: group sizes, frequency-trip groups, DR commitment. */
  readonly site?: Site;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Called after every switching pass with its cause; the bench measures signal-to-accepted with it. */
  readonly onApplied?: (cause: string, report: ApplyReport) => void;
}

export interface SwitchAgentView {
  readonly lastSeq: number;
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
}

/**
 * com.hcp.SwitchAgent: holds the plan and the ladder and switches the site's devices, on its own clock and on local
 * signals, without a cloud round trip. Decisions live in the pure modules beside this one; this class wires them to
 * the messaging port, the device driver and the state file, and serialises every pass so two never interleave.
 */
export class SwitchAgent {
  private acceptance: AcceptanceState;
  private plan: Plan | undefined;
  private modeOverride: { mode: SiteMode; untilMs: number } | undefined;
  private commandCurtailUntilMs: number | undefined;
  private lastHeartbeatMs: number;
  private pendingAcks: Ack[];
  private readonly book: CurtailmentBook;
  private readonly reconciler: DeviceReconciler;
  private readonly store: StateFile;
  private readonly devicesByGroup = new Map<string, string[]>();
  private readonly unitsPerGroup = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastTargets = new Map<string, DeviceTarget>();
  private readonly sleepPowerWByGroup = new Map<string, number>();
  private lastMode: SiteMode = 'plan';
  private fallbackReason: string | undefined;
  private executions = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastStatusMs = Number.NEGATIVE_INFINITY;
  /** A tick slower than tickMs is not stacked behind itself: the timer skips while one runs. */
  private tickInFlight: Promise<void> | undefined;
  private readonly background = new Set<Promise<unknown>>();

  private constructor(private readonly deps: SwitchAgentDeps) {
    const { config, devices, site } = deps;
    this.store = new StateFile(deps.stateFile);
    const saved = this.store.load();
    this.acceptance = { lastSeq: saved?.lastSeq ?? 0, recent: saved?.recent ?? [] };
    this.plan = saved?.plan;
    this.modeOverride = saved?.modeOverride;
    this.commandCurtailUntilMs = saved?.commandCurtailUntilMs;
    // A fresh start counts as a heartbeat: the watchdog then gives the cloud its full timeout to speak.
    this.lastHeartbeatMs = saved?.lastHeartbeatMs ?? deps.clock.nowMs();
    this.pendingAcks = saved?.pendingAcks ?? [];
    this.book = new CurtailmentBook(config, saved?.book);
    this.reconciler = new DeviceReconciler(devices, deps.driver, config);
    for (const d of devices) this.devicesByGroup.set(d.groupId, [...(this.devicesByGroup.get(d.groupId) ?? []), d.id]);
    for (const g of site?.asicGroups ?? []) {
      this.unitsPerGroup.set(g.id, g.unitCount);
      this.sleepPowerWByGroup.set(g.id, g.sleepPowerW);
    }
    for (const p of site?.gpuPools ?? []) this.unitsPerGroup.set(p.id, p.count);
  }

  /** Loads the saved state, subscribes, re-sends acks a restart left pending and applies the current targets. */
  static async start(deps: SwitchAgentDeps, options: { readonly autoTick?: boolean } = {}): Promise<SwitchAgent> {
    const agent = new SwitchAgent(deps);
    const { siteId, topics } = deps.config;
    const { messaging } = deps;
    await messaging.subscribe('cloud', topics.commands ?? siteTopic(siteId, 'commands'), (_t, payload) => {
      void agent.handleCommand(payload.toString('utf8'));
    });
    if (topics.cloudHeartbeat) await messaging.subscribe('cloud', topics.cloudHeartbeat, () => agent.heartbeat());
    await messaging.subscribe('local', topics.grid ?? siteTopic(siteId, 'grid'), (_t, payload) => {
      void agent.handleGridSignalText(payload.toString('utf8'));
    });
    const market = topics.market ?? (deps.site ? marketTopic(deps.site.marketNode) : undefined);
    if (market) {
      // Market-wide price and frequency for the site's settlement point, relayed by the cloud.
      await messaging.subscribe('cloud', market, (_t, payload) => {
        // Only the cloud relays market signals: hearing one proves the cloud path alive.
        agent.heartbeat();
        void agent.handleGridSignalText(payload.toString('utf8'));
      });
    }
    for (const ack of agent.pendingAcks) agent.publishAck(ack);
    await agent.tick();
    if (options.autoTick ?? true) {
      agent.timer = setInterval(() => void agent.tick(), deps.config.tickMs);
      agent.timer.unref();
    }
    return agent;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private log(event: string, detail: Record<string, unknown> = {}): void {
    this.deps.log?.(event, detail);
  }

  heartbeat(): void {
    this.lastHeartbeatMs = Math.max(this.lastHeartbeatMs, this.deps.clock.nowMs());
  }

  /** Evaluates the clock: interval boundaries, expiries, the watchdog, restore batches, retries and read-backs. */
  tick(): Promise<void> {
    this.tickInFlight ??= (async () => {
      let switching: Promise<ApplyReport> | undefined;
      await this.exclusive(async () => {
        if (this.stopped) return;
        const nowMs = this.deps.clock.nowMs();
        if (this.modeOverride && this.modeOverride.untilMs <= nowMs) this.modeOverride = undefined;
        if (this.commandCurtailUntilMs !== undefined && this.commandCurtailUntilMs <= nowMs) {
          this.book.releaseAll('command');
          this.commandCurtailUntilMs = undefined;
        }
        this.book.step(nowMs, this.devicesByGroup);
        switching = this.applyTargets('tick');
        this.persist();
        if (nowMs - this.lastStatusMs >= this.deps.config.statusPeriodMs) {
          this.lastStatusMs = nowMs;
          this.publishStatus(nowMs);
        }
      });
      // Switches, retries and read-backs hold no lock: a wedged miner's timeouts must not delay a signal or a command.
      await switching;
      if (this.stopped) return;
      await this.reconciler.retryPending();
      await this.reconciler.verify();
    })().finally(() => {
      this.tickInFlight = undefined;
    });
    return this.tickInFlight;
  }

  /** The gateway's own heartbeat: what it is doing, for the platform's latest-state view and alarms. */
  private publishStatus(nowMs: number): void {
    const { config } = this.deps;
    const view = this.view();
    const status = {
      siteId: config.siteId,
      at: new Date(nowMs).toISOString(),
      mode: view.mode,
      ...(view.fallbackReason ? { fallbackReason: view.fallbackReason } : {}),
      ...(view.planVersion !== undefined ? { planVersion: view.planVersion } : {}),
      lastSeq: view.lastSeq,
      heldGroups: view.heldGroups,
      devices: view.devices,
      drifted: view.drifted.length,
    };
    this.deps.messaging
      .publish('cloud', config.topics.heartbeat ?? siteTopic(config.siteId, 'heartbeat'), JSON.stringify(status), 0)
      .catch((error: unknown) => this.log('status-publish-failed', { error: String(error) }));
  }

  private ladder(): readonly LadderRung[] {
    return this.plan?.sites.find((s) => s.siteId === this.deps.config.siteId)?.ladder ?? this.deps.config.ladder;
  }

  /**
   * Decides every device's target now and starts the switches; the promise settles when every device has replied.
   * Callers hold the lock only for the decision, so one wedged miner's timeout never queues the next signal.
   */
  private applyTargets(cause: string): Promise<ApplyReport> {
    const nowMs = this.deps.clock.nowMs();
    const { config } = this.deps;
    const active = this.plan ? activeInterval(this.plan, config.siteId, nowMs) : undefined;
    const watchdog = evaluateWatchdog({
      nowMs,
      lastHeartbeatMs: this.lastHeartbeatMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      planActive: active !== undefined,
    });
    let mode: SiteMode = this.modeOverride?.mode ?? (watchdog.fallback ? config.defaultMode : 'plan');
    if (mode === 'plan' && !active) mode = config.defaultMode;
    if (mode !== this.lastMode || (watchdog.fallback ? watchdog.reason : undefined) !== this.fallbackReason) {
      this.log('mode', { mode, fallback: watchdog.fallback ? watchdog.reason : undefined });
    }
    this.lastMode = mode;
    this.fallbackReason = watchdog.fallback ? watchdog.reason : undefined;
    const targets = targetStates({
      devices: this.deps.devices,
      mode,
      interval: active?.interval,
      unitsPerGroup: this.unitsPerGroup,
      sleepPowerWByGroup: this.sleepPowerWByGroup,
      held: this.book.heldDevices(this.devicesByGroup),
    });
    this.lastTargets = targets;
    return this.reconciler.apply(targets).then((report) => {
      if (report.sent > 0) this.deps.onApplied?.(cause, report);
      return report;
    });
  }

  // ---- local signals: no cloud round trip ----

  async handleGridSignalText(text: string): Promise<ApplyReport | undefined> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.log('grid-signal-rejected', { detail: 'not JSON' });
      return undefined;
    }
    const parsed = gridSignalSchema.safeParse(json);
    if (!parsed.success) {
      this.log('grid-signal-rejected', { detail: parsed.error.issues[0]?.message });
      return undefined;
    }
    return this.handleGridSignal(parsed.data);
  }

  async handleGridSignal(signal: GridSignal): Promise<ApplyReport> {
    const started = await this.exclusive(async () => {
      const nowMs = this.deps.clock.nowMs();
      const hold = (groups: readonly string[], reason: HoldReason) => {
        for (const g of groups) this.book.hold(g, reason, nowMs, this.devicesByGroup.get(g) ?? []);
      };
      if (signal.kind === 'price') {
        const ladder = this.ladder();
        hold(rungsAbovePrice(ladder, signal.priceUsdPerMwh), 'price');
        const held = new Set(this.book.heldFor('price'));
        for (const g of rungsBelowRestorePrice(
          ladder,
          signal.priceUsdPerMwh,
          this.deps.config.priceHysteresisUsdPerMwh,
        )) {
          if (held.has(g)) this.book.release(g, 'price');
        }
      } else if (signal.kind === 'frequency') {
        if (signal.frequencyHz < UNDER_FREQUENCY_TRIP_HZ) hold(this.frequencyTripGroups(), 'frequency');
        else if (signal.frequencyHz >= this.deps.config.frequencyRestoreHz) this.book.releaseAll('frequency');
      } else if (signal.action === 'deploy') {
        const shedMw = signal.deployMw ?? this.committedMw();
        hold(rungsForShed(this.ladder(), shedMw * 1000), 'demand-response');
      } else {
        this.book.releaseAll('demand-response');
      }
      this.book.step(nowMs, this.devicesByGroup);
      // Wrapped so the lock is released once the switches are started, not when the devices have replied.
      const switching = { report: this.applyTargets(`grid:${signal.kind}`) };
      this.persist();
      return switching;
    });
    return this.track(started.report);
  }

  private frequencyTripGroups(): string[] {
    return (
      this.deps.config.frequencyTripGroups ??
      (this.deps.site?.asicGroups ?? []).filter((g) => g.frequencyTrip).map((g) => g.id)
    );
  }

  private committedMw(): number {
    return (
      this.deps.config.committedMw ?? (this.deps.site?.demandResponse ?? []).reduce((mw, e) => mw + e.committedMw, 0)
    );
  }

  // ---- cloud commands ----

  async handleCommand(text: string): Promise<void> {
    const started = await this.exclusive(async (): Promise<{ finish: Promise<void> } | undefined> => {
      const receivedAtMs = this.deps.clock.nowMs();
      const receivedAt = new Date(receivedAtMs).toISOString();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const decision = decide(json, this.acceptance, this.deps.config.siteId, receivedAtMs);
      // Any well-formed command for this site, even one refused, proves the cloud can reach the gateway.
      if (decision.kind !== 'invalid') this.heartbeat();
      switch (decision.kind) {
        case 'invalid': {
          this.log('command-invalid', { detail: decision.detail });
          if (decision.envelope) {
            this.sendAck({
              siteId: this.deps.config.siteId,
              repeated: false,
              ...decision.envelope,
              status: 'rejected',
              reason: 'invalid-schema',
              detail: decision.detail,
              timings: { receivedAt },
            });
          }
          return;
        }
        case 'repeat':
          // The cloud did not get our ack: answer again from memory, never execute again.
          this.log('command-repeated', { commandId: decision.ack.commandId });
          this.sendAck(decision.ack);
          return;
        case 'reject':
        case 'expired': {
          const { command } = decision;
          const ack: Ack = {
            ...ackEnvelope(command),
            status: decision.kind === 'expired' ? 'expired' : 'rejected',
            reason: decision.kind === 'expired' ? 'expired' : decision.reason,
            ...(decision.kind === 'reject' ? { detail: decision.detail } : {}),
            timings: { receivedAt },
          };
          this.log('command-refused', { commandId: command.commandId, seq: command.seq, reason: ack.reason });
          // A refused command's id is not remembered: only accepted commands consume ids and sequence numbers.
          this.sendAck(ack);
          return;
        }
        case 'accept':
          return { finish: this.execute(decision.command, decision.fingerprint, receivedAtMs) };
      }
    });
    if (started) await this.track(started.finish);
  }

  /** Work that outlives the lock (switch replies, final acks): stop() waits for it so no late write follows. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.background.add(work);
    return work.finally(() => this.background.delete(work));
  }

  /** Runs under the lock up to starting the switches; the returned promise acks once every device has replied. */
  private execute(command: Command, fingerprint: string, receivedAtMs: number): Promise<void> {
    const receivedAt = new Date(receivedAtMs).toISOString();
    const envelope = ackEnvelope(command);
    const received: Ack = { ...envelope, status: 'received', reason: 'ok', timings: { receivedAt } };
    // Persist the acceptance before touching hardware: a crash now must not let the same command run twice.
    this.acceptance = remember(
      this.acceptance,
      { commandId: command.commandId, fingerprint, ack: received },
      this.deps.config.rememberCommands,
      command.seq,
    );
    this.sendAck(received);
    const nowMs = this.deps.clock.nowMs();
    switch (command.kind) {
      case 'apply-plan':
        this.plan = command.payload.plan;
        break;
      case 'set-mode':
        this.modeOverride = { mode: command.payload.mode, untilMs: Date.parse(command.payload.expiresAt) };
        break;
      case 'curtail':
        for (const g of rungsForShed(this.ladder(), command.payload.shedKw)) {
          this.book.hold(g, 'command', nowMs, this.devicesByGroup.get(g) ?? []);
        }
        this.commandCurtailUntilMs = Date.parse(command.payload.expiresAt);
        break;
      case 'restore':
        this.book.releaseAll('command');
        this.commandCurtailUntilMs = undefined;
        this.modeOverride = undefined;
        break;
    }
    this.executions += 1;
    this.book.step(nowMs, this.devicesByGroup);
    return this.applyTargets(`command:${command.kind}`).then((report) =>
      this.finish(command, fingerprint, receivedAtMs, report),
    );
  }

  private finish(command: Command, fingerprint: string, receivedAtMs: number, report: ApplyReport): void {
    const receivedAt = new Date(receivedAtMs).toISOString();
    const envelope = ackEnvelope(command);
    const executedAtMs = this.deps.clock.nowMs();
    const allFailed = report.sent > 0 && report.accepted === 0;
    const final: Ack = {
      ...envelope,
      status: allFailed ? 'rejected' : 'executed',
      reason: allFailed ? 'device-failure' : report.failed > 0 ? 'partially-applied' : 'ok',
      ...(report.failed > 0 ? { detail: `${report.failed} of ${report.sent} devices did not accept` } : {}),
      timings: allFailed
        ? { receivedAt }
        : { receivedAt, executedAt: new Date(executedAtMs).toISOString(), executionMs: executedAtMs - receivedAtMs },
    };
    this.acceptance = remember(
      this.acceptance,
      { commandId: command.commandId, fingerprint, ack: final },
      this.deps.config.rememberCommands,
    );
    this.sendAck(final);
  }

  /** Records the ack as pending on disk, publishes it (QoS 1) and clears it once the broker has it. */
  private sendAck(ack: Ack): void {
    this.pendingAcks.push(ack);
    this.persist();
    this.publishAck(ack);
  }

  private publishAck(ack: Ack): void {
    this.deps.messaging
      .publish(
        'cloud',
        this.deps.config.topics.acks ?? siteTopic(this.deps.config.siteId, 'acks'),
        JSON.stringify(ack),
        1,
      )
      .then(() => {
        this.pendingAcks = this.pendingAcks.filter((a) => a !== ack);
        if (!this.stopped) this.persist();
      })
      .catch((error: unknown) => this.log('ack-publish-failed', { commandId: ack.commandId, error: String(error) }));
  }

  private persist(): void {
    const state: AgentState = {
      version: 1,
      lastSeq: this.acceptance.lastSeq,
      recent: [...this.acceptance.recent],
      plan: this.plan,
      modeOverride: this.modeOverride,
      commandCurtailUntilMs: this.commandCurtailUntilMs,
      lastHeartbeatMs: this.lastHeartbeatMs,
      pendingAcks: this.pendingAcks,
      book: this.book.snapshot() as AgentState['book'],
    };
    this.store.save(state);
  }

  /** Telemetry's reading of a device feeds the confirmation of its state. */
  observe(deviceId: string, powered: boolean): void {
    this.reconciler.observe(deviceId, powered);
  }

  view(): SwitchAgentView {
    const nowMs = this.deps.clock.nowMs();
    const active = this.plan ? activeInterval(this.plan, this.deps.config.siteId, nowMs) : undefined;
    const drifted = this.deps.devices
      .filter((d) => this.reconciler.status(d.id)?.status === 'drifted')
      .map((d) => d.id);
    return {
      lastSeq: this.acceptance.lastSeq,
      ...(this.plan ? { planVersion: this.plan.version } : {}),
      ...(active ? { intervalIndex: active.index } : {}),
      mode: this.lastMode,
      ...(this.fallbackReason ? { fallbackReason: this.fallbackReason } : {}),
      heldGroups: this.book.heldGroups(),
      targets: Object.fromEntries([...this.lastTargets].map(([id, t]) => [id, t.on])),
      devices: this.reconciler.counts(),
      drifted,
      failures: this.reconciler.failureKinds(),
      executions: this.executions,
      lastHeartbeatMs: this.lastHeartbeatMs,
    };
  }

  /** Waits for the pass in progress, then stops ticking. The state file already holds everything. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.background, this.tickInFlight]);
    await this.exclusive(async () => {
      this.stopped = true;
      this.persist();
    });
  }
}

/** The fields every ack of a command carries: its identity, its sequence number and the flow's task token. */
function ackEnvelope(command: Command) {
  return {
    commandId: command.commandId,
    siteId: command.siteId,
    seq: command.seq,
    ...(command.taskToken ? { taskToken: command.taskToken } : {}),
    repeated: false,
  };
}
