import type { Ack } from '../../../../core/messages/ack.js';
import type { Command } from '../../../../core/messages/command.js';
import type { GridSignal } from '../../../../core/messages/grid-signal.js';
import { marketTopic, siteTopic } from '../../../../core/messages/topics.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import type { Clock } from '../../../../core/support/clock.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import type { SiteMeterPort } from '../../../adapters/meter/sunspec-meter.js';
import {
  AckPublisher,
  finalAck,
  publishLocalSwitch,
  receivedAck,
  StatusPublisher,
  type SwitchAgentView,
} from './acks-and-status.js';
import { Ancillary, type AncillaryEvent, armingAck } from './ancillary.js';
import { remember } from './command-acceptance.js';
import { admitCommand, applyCommand, expireCommands } from './command-pipeline.js';
import { type CommandVerifier, commandVerifier } from './command-signature.js';
import type { SwitchAgentConfig } from './config.js';
import type { HoldChange } from './curtailment-book.js';
import type { ApplyReport } from './device-reconciler.js';
import { type GridPolicy, gridPolicy, gridReaction, parseGridSignal } from './grid-reaction.js';
import { type AgentMemory, MemoryFile } from './persistence.js';
import { activeInterval } from './plan-schedule.js';
import { PowerControl } from './power-control.js';
import type { SitePower } from './site-power.js';
import { publishPowerActions, publishSiteEvent, sitePowerFor } from './site-power-hook.js';
import type { StateFs } from './state-store.js';

export type { SwitchAgentView } from './acks-and-status.js';

const NO_DEVICES: ReadonlySet<string> = new Set();
const NO_TRIMS: ReadonlyMap<string, number> = new Map();

export interface SwitchAgentDeps {
  readonly config: SwitchAgentConfig;
  readonly devices: readonly GatewayDevice[];
  readonly driver: DeviceDriver;
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  /** Where the agent keeps its state across restarts. */
  readonly stateFile: string;
  /** @default node:fs (tests pass a disk that fails) */
  readonly stateFs?: StateFs;
  /** The site model: group sizes, frequency-trip groups, DR commitment. */
  readonly site?: Site;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** The site's revenue meter; with `config.sitePower` it runs the site power controller. */
  readonly meter?: SiteMeterPort;
  /** Called after every switching pass with its cause; the bench measures signal-to-accepted with it. */
  readonly onApplied?: (cause: string, report: ApplyReport) => void;
}

/**
 * com.hcp.SwitchAgent: holds the plan and the ladder and switches the site's devices, on its own clock and on local
 * signals, without a cloud round trip. Each job has its file beside this one: the command pipeline (what a command
 * message means, what it changes), the grid reaction (what a local signal holds or releases), power control (mode,
 * targets, the devices' replies), acks and status, and persistence (the memory kept across restarts). This class
 * wires them to the messaging port and the clock, and serialises every pass so two never interleave.
 */
export class SwitchAgent {
  private readonly memoryFile: MemoryFile;
  private readonly memory: AgentMemory;
  private readonly power: PowerControl;
  private readonly sitePower: SitePower | undefined;
  private powerTimer: NodeJS.Timeout | undefined;
  /** The under-frequency relay's delay running (ancillary.ts `relay`). */
  private relayTimer: NodeJS.Timeout | undefined;
  private readonly grid: GridPolicy;
  private readonly ancillary: Ancillary;
  private readonly acks: AckPublisher;
  private readonly status: StatusPublisher;
  private readonly verify: CommandVerifier;
  private queue: Promise<unknown> = Promise.resolve();
  private executions = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A tick slower than tickMs is not stacked behind itself: the timer skips while one runs. */
  private tickInFlight: Promise<void> | undefined;
  private readonly background = new Set<Promise<unknown>>();

  private constructor(private readonly deps: SwitchAgentDeps) {
    const { config, site, messaging } = deps;
    const log = (event: string, detail: Record<string, unknown>) => this.log(event, detail);
    this.memoryFile = new MemoryFile(deps.stateFile, log, deps.stateFs);
    this.memory = this.memoryFile.load(config, deps.clock.nowMs());
    this.sitePower = sitePowerFor(deps, this.memory, log);
    this.ancillary = new Ancillary(site, deps.devices);
    this.power = new PowerControl({
      ...deps,
      log,
      kept: () => this.ancillary.standing(this.memory.ancillary, deps.clock.nowMs()),
      powerHolds: () => this.sitePower?.held() ?? NO_DEVICES,
      powerTrims: () => this.sitePower?.trimmed() ?? NO_TRIMS,
      onApplied: (cause, report, latencyMs) => {
        deps.onApplied?.(cause, report);
        if (cause.startsWith('command:')) return; // the SwitchFlow records a command's switch
        const atMs = deps.clock.nowMs();
        publishLocalSwitch(messaging, config.siteId, { atMs, cause, report, latencyMs }, log);
      },
    });
    this.grid = gridPolicy(config, site);
    this.verify = commandVerifier(config.commandKeys, config.requireSignedCommands);
    const topic = (kind: 'acks' | 'heartbeat') => config.topics[kind] ?? siteTopic(config.siteId, kind);
    this.acks = new AckPublisher(messaging, topic('acks'), this.memory, () => this.persist(), log);
    this.status = new StatusPublisher(messaging, topic('heartbeat'), config.siteId, config.statusPeriodMs, log);
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
    agent.acks.resendPending();
    await agent.tick();
    if (options.autoTick ?? true) {
      agent.timer = setInterval(() => void agent.tick(), deps.config.tickMs);
      agent.timer.unref();
      if (agent.sitePower) {
        agent.powerTimer = setInterval(() => void agent.controlPower(), deps.config.sitePower!.periodMs);
        agent.powerTimer.unref();
      }
    }
    return agent;
  }

  heartbeat(): void {
    this.memory.lastHeartbeatMs = Math.max(this.memory.lastHeartbeatMs, this.deps.clock.nowMs());
  }

  /** Evaluates the clock: interval boundaries, expiries, the watchdog, restore batches, retries and read-backs. */
  tick(): Promise<void> {
    this.tickInFlight ??= (async () => {
      let switching: Promise<ApplyReport> | undefined;
      await this.exclusive(async () => {
        if (this.stopped) return;
        const nowMs = this.deps.clock.nowMs();
        // A relay whose delay ran out between signals trips now; the tick's own pass follows on the next tick.
        switching = this.tripWhenDue(nowMs) ?? this.switchNow(expireCommands(this.memory, nowMs), nowMs, 'tick');
        this.status.offer(nowMs, () => this.view());
      });
      // Switches, retries and read-backs hold no lock: a wedged miner's timeouts must not delay a signal or a command.
      await switching;
      if (this.stopped) return;
      await this.power.retryAndVerify();
    })().finally(() => {
      this.tickInFlight = undefined;
    });
    return this.tickInFlight;
  }

  /**
   * One step of the site power controller: reads the meter (outside the lock), then decides and, when its holds
   * changed, re-targets the devices with cause `power-limit`, like any other local reaction.
   */
  async controlPower(): Promise<void> {
    const sitePower = this.sitePower;
    if (!sitePower || this.stopped) return;
    await sitePower.measure(this.deps.clock.nowMs(), this.power.plannedOn(this.memory, this.deps.clock.nowMs()));
    const started = await this.exclusive(async () => (this.stopped ? undefined : this.decidePower()));
    if (started) await this.track(started.report);
  }

  // ---- local signals: no cloud round trip ----

  async handleGridSignalText(text: string): Promise<ApplyReport | undefined> {
    const parsed = parseGridSignal(text);
    if (parsed.ok) return this.handleGridSignal(parsed.signal);
    this.log('grid-signal-rejected', { detail: parsed.detail });
    return undefined;
  }

  async handleGridSignal(signal: GridSignal): Promise<ApplyReport> {
    const started = await this.exclusive(async () => {
      const nowMs = this.deps.clock.nowMs();
      const ancillary = this.ancillary.react(signal, this.memory.ancillary, nowMs, {
        restoreHz: this.grid.frequencyRestoreHz,
        limitPath: this.sitePower !== undefined,
      });
      if (ancillary) {
        if (ancillary.tripDueAtMs !== undefined) this.armRelay(ancillary.tripDueAtMs - nowMs);
        if (ancillary.event) this.publishAncillary(nowMs, ancillary.event, signal);
        const cause = `grid:${signal.kind}`;
        if (ancillary.limit && this.sitePower) {
          // A deployment is a limit the controller holds, its armed devices first; a recall lifts it.
          this.sitePower.demandResponse(ancillary.limit, 0);
          this.persist();
          return { report: this.decidePower()?.report ?? this.power.apply(this.memory, nowMs, cause) };
        }
        return { report: this.switchNow(ancillary.change, nowMs, cause, 'written-before-send') };
      }
      if (signal.kind === 'demand-response' && this.sitePower) {
        // With a meter, a deployment is a limit the controller holds, not a fixed set of rungs. Saved before any
        // send: a crash mid-reaction must not forget a one-shot deployment.
        this.sitePower.demandResponse(signal, this.grid.committedMw);
        this.persist();
        return { report: this.decidePower()?.report ?? this.power.apply(this.memory, nowMs, `grid:${signal.kind}`) };
      }
      const change = gridReaction(signal, this.ladder(), this.grid);
      // Wrapped so the lock is released once the switches are started, not when the devices have replied. The
      // memory is written before the sends (a crash mid-reaction keeps a one-shot deployment's holds) but flushed to
      // the disk (fsync, tens of ms on a busy disk) once the devices have replied: a signal waits for no disk.
      return { report: this.switchNow(change, nowMs, `grid:${signal.kind}`, 'written-before-send') };
    });
    return this.track(started.report);
  }

  // ---- cloud commands ----

  async handleCommand(text: string): Promise<void> {
    const started = await this.exclusive(async (): Promise<{ finish: Promise<void> } | undefined> => {
      const receivedAtMs = this.deps.clock.nowMs();
      const { siteId } = this.deps.config;
      const { heard, step } = admitCommand(text, this.memory.acceptance, siteId, receivedAtMs, this.verify);
      if (heard) this.heartbeat();
      if (step.kind === 'execute') return { finish: this.execute(step.command, step.fingerprint, receivedAtMs) };
      this.log(step.event, step.detail);
      if (step.acceptance) this.memory.acceptance = step.acceptance;
      // A refused command's id is not remembered: only accepted commands consume ids and sequence numbers.
      if (step.ack) this.acks.send(step.ack);
      return undefined;
    });
    if (started) await this.track(started.finish);
  }

  /** Telemetry's reading of a device feeds the confirmation of its state. */
  observe(deviceId: string, powered: boolean): void {
    this.power.observe(deviceId, powered);
  }

  view(): SwitchAgentView {
    const { plan, acceptance, book, lastHeartbeatMs } = this.memory;
    const active = plan ? activeInterval(plan, this.deps.config.siteId, this.deps.clock.nowMs()) : undefined;
    const { mode, fallbackReason, targets, devices, drifted, failures } = this.power.view();
    return {
      lastSeq: acceptance.lastSeq,
      highestEpoch: acceptance.highestEpoch,
      awaitingResync: acceptance.awaitingResync !== undefined,
      stateWriteFailures: this.memoryFile.writeFailures,
      ...(plan ? { planVersion: plan.version } : {}),
      ...(active ? { intervalIndex: active.index } : {}),
      mode,
      ...(fallbackReason ? { fallbackReason } : {}),
      heldGroups: book.heldGroups(),
      targets,
      devices,
      drifted,
      failures,
      executions: this.executions,
      lastHeartbeatMs,
      ...(this.sitePower ? { sitePower: this.sitePower.view() } : {}),
      ...(this.memory.ancillary.armed.length > 0 ? { ancillary: this.memory.ancillary } : {}),
    };
  }

  /** Waits for the pass in progress, then stops ticking. The state file already holds everything. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.powerTimer) clearInterval(this.powerTimer);
    clearTimeout(this.relayTimer);
    await Promise.allSettled([...this.background, this.tickInFlight]);
    await this.exclusive(async () => {
      this.stopped = true;
      this.acks.close();
      this.persist();
    });
  }

  /** Under the lock: the controller's decision; a changed hold re-targets the devices. */
  private decidePower(): { report: Promise<ApplyReport> } | undefined {
    const nowMs = this.deps.clock.nowMs();
    const active = this.memory.plan ? activeInterval(this.memory.plan, this.deps.config.siteId, nowMs) : undefined;
    const deployedWithin = this.ancillary.responseSeconds(this.memory.ancillary);
    const planned = this.power.planned(this.memory, nowMs);
    const actions = this.sitePower!.decide({
      nowMs,
      plannedOn: planned.on,
      targets: planned.targets,
      ladder: this.ladder(),
      inFlight: this.power.inFlight(),
      armed: this.ancillary.order(this.memory.ancillary, nowMs),
      ...(deployedWithin !== undefined ? { demandResponseSeconds: deployedWithin } : {}),
      ...(active ? { planKw: active.interval.sitePowerKw } : {}),
    });
    if (actions.length === 0) return undefined;
    // The holds are saved before the sends: a restart then keeps what the controller put to sleep asleep.
    this.persist();
    publishPowerActions(this.deps, nowMs, actions, (event, detail) => this.log(event, detail));
    return { report: this.power.apply(this.memory, nowMs, 'power-limit') };
  }

  /** An ancillary action on the site's events topic, and in the log, like the controller's actions. */
  /** The relay's trip when its delay has run with frequency still below the set-point; undefined when none is due. */
  private tripWhenDue(nowMs: number): Promise<ApplyReport> | undefined {
    const trip = this.ancillary.relay(this.memory.ancillary, nowMs);
    if (!trip?.event) return undefined;
    this.publishAncillary(nowMs, trip.event);
    return this.switchNow(trip.change, nowMs, 'grid:frequency', 'written-before-send');
  }

  /** Looks at the relay again when its delay runs out, on the wall clock (the tick does on a simulated one). */
  private armRelay(inMs: number): void {
    clearTimeout(this.relayTimer);
    this.relayTimer = setTimeout(() => {
      // Wrapped so the lock is released once the switches are started, not when the devices have replied.
      void this.exclusive(async () => {
        const report = this.stopped ? undefined : this.tripWhenDue(this.deps.clock.nowMs());
        return report ? { report } : undefined;
      }).then((started) => started && this.track(started.report));
    }, inMs);
    this.relayTimer.unref();
  }

  private publishAncillary(nowMs: number, event: AncillaryEvent, signal?: GridSignal): void {
    const eventId = signal?.kind === 'demand-response' ? { eventId: signal.eventId } : {};
    const log = (name: string, detail: Record<string, unknown>) => this.log(name, detail);
    log(`ancillary-${event.action}`, { ...event, devices: event.devices.length });
    publishSiteEvent(this.deps, nowMs, { type: 'ancillary', ...eventId, ...event }, log);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Work that outlives the lock (switch replies, final acks): stop() waits for it so no late write follows. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.background.add(work);
    return work.finally(() => this.background.delete(work));
  }

  private log(event: string, detail: Record<string, unknown> = {}): void {
    this.deps.log?.(event, detail);
  }

  private persist(): void {
    this.memoryFile.save(this.memory);
  }

  private ladder(): readonly LadderRung[] {
    const { plan } = this.memory;
    return plan?.sites.find((s) => s.siteId === this.deps.config.siteId)?.ladder ?? this.deps.config.ladder;
  }

  /**
   * Applies a change of holds, moves released groups towards restore, saves the memory and starts the switches. The
   * memory is on the disk before the devices hear anything, or (`written-before-send`) written before they do but
   * flushed once they have replied: a crash of the process then loses nothing, a power cut the last signal.
   */
  private switchNow(
    change: HoldChange,
    nowMs: number,
    cause: string,
    save: 'before-send' | 'written-before-send' = 'before-send',
  ): Promise<ApplyReport> {
    this.memory.book.change(change, nowMs, this.power.devicesByGroup);
    this.memory.book.step(nowMs, this.power.devicesByGroup, this.power.kept());
    if (save === 'before-send') {
      this.persist();
      return this.power.apply(this.memory, nowMs, cause);
    }
    this.memoryFile.save(this.memory, 'written');
    return this.power.apply(this.memory, nowMs, cause).finally(() => this.persist());
  }

  /** Runs under the lock up to starting the switches; the returned promise acks once every device has replied. */
  private execute(command: Command, fingerprint: string, receivedAtMs: number): Promise<void> {
    const received = receivedAck(command, receivedAtMs);
    // Remember the acceptance before touching hardware: a crash now must not let the same command run twice.
    this.accept(command, fingerprint, received, command);
    this.acks.send(received);
    const change = applyCommand(this.memory, command, this.ladder(), (awards) =>
      this.ancillary.arm(awards, this.ladder(), (atMs) =>
        this.power.plannedOn(this.memory, Math.max(atMs, this.deps.clock.nowMs())),
      ),
    );
    this.executions += 1;
    if (command.kind === 'arm-ancillary') {
      for (const armed of this.memory.ancillary.armed) {
        const event = this.ancillary.event('armed', [armed], armed.devices);
        const when = `${new Date(armed.award.intervalStartMs).toISOString()}/${new Date(armed.award.intervalEndMs).toISOString()}`;
        const relay = armed.award.product === 'RRS-UFR' ? `, relay ${this.ancillary.tripHz()} Hz` : '';
        this.publishAncillary(receivedAtMs, { ...event, detail: `${when}${relay}` });
      }
    }
    const switching = this.switchNow(change, this.deps.clock.nowMs(), `command:${command.kind}`);
    return switching.then((report) => {
      const executed = finalAck(command, report, receivedAtMs, this.deps.clock.nowMs());
      const final = command.kind === 'arm-ancillary' ? armingAck(executed, this.memory.ancillary.armed) : executed;
      this.accept(command, fingerprint, final);
      this.acks.send(final);
    });
  }

  private accept(command: Command, fingerprint: string, ack: Ack, accepted?: Command): void {
    const entry = { commandId: command.commandId, fingerprint, ack };
    this.memory.acceptance = remember(this.memory.acceptance, entry, this.deps.config.rememberCommands, accepted);
  }
}
