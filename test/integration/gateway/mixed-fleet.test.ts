import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import type { Ack } from '../../../core/messages/ack.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { Plan } from '../../../core/model/plan.js';
import { solveFleet, toPlan } from '../../../core/optimizer/dispatch.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS, type SiteProblem } from '../../../core/optimizer/types.js';
import { initialSiteState } from '../../../core/strategies/simulate.js';
import { ManualClock } from '../../../core/support/clock.js';
import { type RunningShadowGateway, startShadowGateway } from '../../../iot-greengrass/gateway.js';
import { DeviceShadows, ShadowService } from '../../../sim/local/device-shadows.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { ShadowSiteConfigPublisher } from '../../../sim/local/shadow-site-config-publisher.js';
import { mixedWest } from '../../../sim/platform/mixed-fleet.js';
import {
  type SimulatedSiteHardware,
  simulatedGatewayConfig,
  startSimulatedSiteHardware,
} from '../../../sim/platform/start/shadow-site.js';
import { until } from '../../support/until.js';

/**
 * `--fleet mixed`'s Pecos West, switched by a plan the optimizer made: its S21s on LuxOS, S19 XPs on Braiins OS+ and
 * M60S on stock cgminer, each on its own virtual firmware over its own protocol, driven by the driver its group names
 * in the site configuration the gateway read from its shadow.
 */

const T0_MS = Date.parse('2026-07-01T15:00:00Z');
const SITE_ID = mixedWest.id;
const [LUXOS, BRAIINS, STOCK] = mixedWest.asicGroups.map((g) => g.id) as [string, string, string];

let clock: ManualClock;
let broker: RunningMqttBroker;
let hardware: SimulatedSiteHardware;
let gateway: RunningShadowGateway;
let cloud: mqtt.MqttClient;
let stateDir: string;
const acks: Ack[] = [];

/** Ground truth from the virtual hardware: each miner of a group commanded awake? */
function awake(groupId: string): boolean[] {
  return [...hardware.fleet.miners, ...hardware.fleet.braiinsMiners]
    .filter((m) => m.item.groupId === groupId)
    .map((m) => m.context.physics.isAwakeCommanded());
}

/** The optimizer's plan for one 5-minute step at `priceUsdPerMwh`, every group on to begin with. */
async function planAt(priceUsdPerMwh: number, version: number): Promise<Plan> {
  const site = simulatedGatewayConfig(hardware, 1).site;
  const problem: SiteProblem = {
    site,
    horizon: {
      stepHours: [5 / 60],
      priceUsdPerMwh: [priceUsdPerMwh],
      hashpriceUsdPerThDay: [0.048],
      guaranteedArrivalsGpuHours: [0],
      flexArrivalsGpuHours: [0],
      drDeployed: [false],
      peakProbability: [0],
    },
    state: initialSiteState(site),
    demand: DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
  };
  const solution = solveFleet(await loadHighs(), { sites: [problem] });
  return toPlan({ sites: [problem] }, solution, {
    version,
    createdAtMs: clock.nowMs(),
    horizonStartMs: clock.nowMs(),
    intervalMinutes: 5,
    gpuRevenueUsdPerGpuHour: 3,
  });
}

let seq = 0;
async function sendPlan(plan: Plan): Promise<Ack> {
  seq += 1;
  const commandId = randomUUID();
  const nowMs = clock.nowMs();
  const command = {
    commandId,
    siteId: SITE_ID,
    seq,
    epoch: 1,
    issuedAt: new Date(nowMs).toISOString(),
    validUntil: new Date(nowMs + 90_000).toISOString(),
    taskToken: `token-${seq}`,
    kind: 'apply-plan',
    payload: { plan },
  };
  await cloud.publishAsync(siteTopic(SITE_ID, 'commands'), JSON.stringify(command), { qos: 1 });
  return until('the final ack', () => acks.find((a) => a.commandId === commandId && a.status !== 'received'), {
    detail: () => acks.map((a) => [a.seq, a.status, a.reason]),
  });
}

beforeAll(async () => {
  clock = new ManualClock(T0_MS);
  broker = await startMqttBroker();
  const shadows = new ShadowService(new DeviceShadows(clock), broker.inProcess);
  // Nine miners split across the three groups by unit count, one GPU node.
  hardware = await startSimulatedSiteHardware({ record: mixedWest, clock, seed: 5, asics: 9, gpuNodes: 1 });
  await new ShadowSiteConfigPublisher(shadows).publish(SITE_ID, simulatedGatewayConfig(hardware, 1));
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-mixed-'));
  cloud = await mqtt.connectAsync(broker.url, { clientId: `cloud-${randomUUID()}`, reconnectPeriod: 100 });
  cloud.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as Ack));
  await cloud.subscribeAsync(siteTopic(SITE_ID, 'acks'), { qos: 1 });
  gateway = await startShadowGateway({
    siteId: SITE_ID,
    brokerUrl: broker.url,
    stateDir,
    clock,
    autoTick: false,
    config: { switchAgent: { heartbeatTimeoutMs: 3_600_000, minCurtailedMs: 0, restoreBatchSize: 100 } },
  });
  await gateway.siteConfig.configured();
  expect(shadows.shadows.document(SITE_ID, SITE_CONFIG_SHADOW)?.version).toBeGreaterThanOrEqual(1);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await cloud?.endAsync(true);
  await hardware?.fleet.stop();
  await broker?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a site mixing LuxOS, Braiins OS+ and stock cgminer groups', () => {
  it('runs each group on its firmware and its configured driver', () => {
    // Assess: the miners split by unit count (3,000 / 3,000 / 500), the Braiins ones over HTTP, the others over the
    // cgminer API; the gateway drives each of them.
    const protocols = hardware.fleet.endpoints
      .filter((e) => e.kind === 'asic')
      .map((e) => `${e.groupId} ${e.protocol}`);
    expect(new Set(protocols)).toEqual(
      new Set([`${LUXOS} cgminer-luxos-tcp`, `${BRAIINS} braiins-http`, `${STOCK} cgminer-tcp`]),
    );
    expect(gateway.state().devices).toHaveLength(hardware.fleet.endpoints.length);
  });

  it('a price spike plan sleeps the LuxOS and pauses the Braiins miners; the stock group stays on, as the plan says', async () => {
    // Prepare: $3,000/MWh, far above every group's breakeven.
    const plan = await planAt(3000, 1);
    const setpoints = plan.sites[0]!.intervals[0]!.asicGroups;
    expect(setpoints.find((g) => g.groupId === STOCK)).toMatchObject({ unitsOn: 500, alwaysOn: true });
    expect(setpoints.filter((g) => g.groupId !== STOCK).map((g) => g.unitsOn)).toEqual([0, 0]);
    expect(plan.sites[0]!.ladder.map((r) => r.groupId)).not.toContain(STOCK);
    // Act
    const ack = await sendPlan(plan);
    // Assess
    expect(ack.status).toBe('executed');
    expect(awake(LUXOS).length).toBeGreaterThan(0);
    expect(awake(LUXOS).every((on) => !on)).toBe(true);
    expect(awake(BRAIINS).length).toBeGreaterThan(0);
    expect(awake(BRAIINS).every((on) => !on)).toBe(true);
    expect(awake(STOCK).length).toBeGreaterThan(0);
    expect(awake(STOCK).every((on) => on)).toBe(true);
  });

  it('a cheap-power plan brings the LuxOS and Braiins miners back', async () => {
    // Prepare: $10/MWh.
    clock.advanceMs(5 * 60_000);
    const plan = await planAt(10, 2);
    // Act
    const ack = await sendPlan(plan);
    await until('every miner awake', async () => {
      await gateway.tick();
      return [LUXOS, BRAIINS, STOCK].every((g) => awake(g).every(Boolean));
    });
    // Assess
    expect(ack.status).toBe('executed');
    expect(awake(LUXOS).every((on) => on)).toBe(true);
    expect(awake(BRAIINS).every((on) => on)).toBe(true);
  });
});
