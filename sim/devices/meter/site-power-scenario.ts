import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Site } from '../../../core/model/site.js';
import { ManualClock } from '../../../core/support/clock.js';
import type { DeviceDriver } from '../../../iot-greengrass/adapters/device-port.js';
import { httpTransport } from '../../../iot-greengrass/adapters/gpu/nvidia-smi.js';
import { siteDriver } from '../../../iot-greengrass/adapters/site-driver.js';
import type { SwitchAgentConfigInput } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/config.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { type RunningMqttBroker, startMqttBroker } from '../../local/mqtt-broker.js';
import { startVirtualFleet, type VirtualFleet } from '../fleet.js';
import { startSiteMeter, type VirtualMeter } from './virtual-meter.js';

/**
 * A small site at its power limit, for the site power controller's tests and bench: site-west-1's S21 and S19 XP
 * groups and H100 pool, cut to one virtual device per unit, a SunSpec meter over Modbus TCP, the gateway on an
 * embedded MQTT broker, and a simulated clock the caller moves. GPU load is real work on the virtual nodes: a 70B
 * model on all eight GPUs of each node, a full batch of long jobs on the nodes that are busy.
 */
export interface PowerScenarioOptions {
  readonly asics: number;
  readonly gpuNodes: number;
  /** GPU nodes serving a full batch before the step; the rest sit idle with the model loaded. */
  readonly busyNodes: number;
  /** The site runs at this share of its limit before the step (under the controller's target). @default 0.975 */
  readonly loadShareOfLimit?: number;
  readonly switchAgent?: Omit<SwitchAgentConfigInput, 'siteId'>;
  /** Wraps the gateway's driver (a test makes device reads fail). */
  readonly wrapDriver?: (driver: DeviceDriver) => DeviceDriver;
  readonly seed?: number;
  /** Every switching pass of the gateway, with its cause (`power-limit` for the controller's). */
  readonly onSwitch?: (cause: string, accepted: number, sent: number) => void;
  /** A broker already running (a control plane's): the gateway joins it, and stopping the scenario leaves it up. */
  readonly brokerUrl?: string;
  /** Simulated time when the scenario starts. @default 2026-07-01T15:00Z */
  readonly startMs?: number;
  /** Changes the site model the gateway gets (its registry data: trip groups, ancillary qualification). */
  readonly siteOf?: (site: Site) => Site;
}

export interface PowerScenario {
  readonly clock: ManualClock;
  readonly site: Site;
  readonly fleet: VirtualFleet;
  readonly meter: VirtualMeter;
  readonly broker: Pick<RunningMqttBroker, 'url'>;
  readonly gateway: RunningGateway;
  readonly limitKw: number;
  /** The site's GPU power at full serving (count × servingPowerW × PUE), kW. */
  readonly gpuServingKw: number;
  /** Puts `nodes` more GPU nodes to a full batch (positive) or cancels the work of that many busy ones (negative). */
  gpuLoad(nodes: number): void;
  /** Moves the clock in 250 ms steps for `seconds`, running the controller every `periodMs`; calls `sample` each step. */
  run(seconds: number, sample?: (atMs: number) => void): Promise<void>;
  /** The gateway's state directory (its SwitchAgent's state file is `switch-agent/state.json` in it). */
  readonly stateDir: string;
  /**
   * Replaces the gateway with a new process on `stateDir` (default: its own). The old one is left as a crash leaves
   * it: nothing more is written to the new one's directory.
   */
  restartGateway(stateDir?: string): Promise<void>;
  stop(): Promise<void>;
}

const STEP_MS = 250;
const MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
const T0_MS = Date.parse('2026-07-01T15:00:00Z');

/** site-west-1 with one unit per virtual device, so the meter reads the virtual fleet as it is. */
export function scenarioSite(asics: number, gpuNodes: number, limitKw = 1_000): Site {
  const west = referenceFleet.sites[0]!;
  const [s21, s19] = west.asicGroups;
  const s21Units = Math.ceil(asics / 2);
  return {
    ...west,
    interconnectLimitMw: limitKw / 1000,
    asicGroups: [
      { ...s21!, unitCount: s21Units },
      { ...s19!, unitCount: asics - s21Units },
    ],
    gpuPools: west.gpuPools.map((p) => ({ ...p, count: gpuNodes * 8 })),
  };
}

export async function startPowerScenario(options: PowerScenarioOptions): Promise<PowerScenario> {
  const clock = new ManualClock(options.startMs ?? T0_MS);
  const draft = scenarioSite(options.asics, options.gpuNodes);
  const fleet = await startVirtualFleet({
    asics: options.asics,
    gpuNodes: options.gpuNodes,
    seed: options.seed ?? 24,
    clock,
    site: draft,
    gpuAutoTickMs: 0,
    minerPhysics: { boardFailuresPerBoardYear: 0 },
  });
  const jobs = new Map<number, string[]>();
  let nextJob = 0;
  const nodes = fleet.gpuNodes.map((g) => g.node);
  for (const node of nodes) {
    const loaded = node.loadModel({ model: MODEL, tensorParallelSize: 8 });
    if (!loaded.ok) throw new Error(`loading ${MODEL}: ${loaded.message}`);
  }
  const gpuLoad = (count: number) => {
    if (count >= 0) {
      const idle = nodes.map((_, i) => i).filter((i) => !jobs.has(i));
      for (const i of idle.slice(0, count)) {
        // vLLM's full batch (256 sequences) of long generations: the node serves at full power for the whole run.
        const ids = Array.from({ length: 256 }, () => `job-${nextJob++}`);
        for (const id of ids) nodes[i]!.submitJob({ id, modelId: MODEL, inputTokens: 500, outputTokens: 50_000_000 });
        jobs.set(i, ids);
      }
      return;
    }
    for (const i of [...jobs.keys()].slice(0, -count)) {
      for (const id of jobs.get(i)!) nodes[i]!.cancelJob(id);
      jobs.delete(i);
    }
  };
  // The model warms up (site model: 120 s) before any work runs.
  clock.advanceMs(draft.gpuPools[0]!.modelWarmupSeconds * 1000 + 1000);
  gpuLoad(options.busyNodes);
  fleet.tick();
  const meterProbe = await startSiteMeter(draft, fleet, clock);
  const loadKw = meterProbe.truePowerW() / 1000;
  await meterProbe.close();
  const limitKw = loadKw / (options.loadShareOfLimit ?? 0.975);
  const sized = { ...draft, interconnectLimitMw: limitKw / 1000 };
  const site = options.siteOf ? options.siteOf(sized) : sized;
  const meter = await startSiteMeter(site, fleet, clock, { seed: options.seed ?? 24 });
  const ownBroker = options.brokerUrl === undefined ? await startMqttBroker() : undefined;
  const broker = ownBroker ?? { url: options.brokerUrl! };
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-site-power-'));
  const switchAgent: Omit<SwitchAgentConfigInput, 'siteId'> = {
    // No plan in these runs: the site runs everything, and the controller is what keeps it under its limit.
    defaultMode: 'all-on',
    heartbeatTimeoutMs: 3_600_000,
    ...options.switchAgent,
    sitePower: { meter: { host: meter.host, port: meter.port }, ...options.switchAgent?.sitePower },
  };
  const start = (dir: string) =>
    startGateway({
      siteId: site.id,
      site,
      brokerUrl: broker.url,
      devices: fleet.endpoints,
      stateDir: dir,
      clock,
      autoTick: false,
      config: { switchAgent },
      ...(options.onSwitch ? { onSwitch: options.onSwitch } : {}),
      ...(options.wrapDriver ? { driver: options.wrapDriver(siteDriver({ gpu: httpTransport() })) } : {}),
    });
  let gateway = await start(stateDir);
  const periodMs = options.switchAgent?.sitePower?.periodMs ?? 1_000;
  const run = async (seconds: number, sample?: (atMs: number) => void) => {
    const endMs = clock.nowMs() + seconds * 1000;
    while (clock.nowMs() < endMs) {
      clock.advanceMs(STEP_MS);
      fleet.tick();
      if (clock.nowMs() % periodMs === 0) {
        await gateway.switchAgent.controlPower();
        await gateway.tick();
      }
      sample?.(clock.nowMs());
    }
  };
  return {
    clock,
    site,
    fleet,
    meter,
    broker,
    get gateway() {
      return gateway;
    },
    stateDir,
    restartGateway: async (dir = stateDir) => {
      await gateway.stop();
      gateway = await start(dir);
    },
    limitKw,
    gpuServingKw: (site.gpuPools[0]!.count * site.gpuPools[0]!.servingPowerW * site.pue) / 1000,
    gpuLoad,
    run,
    stop: async () => {
      await gateway.stop();
      await meter.close();
      await fleet.stop();
      await ownBroker?.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
