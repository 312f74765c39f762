import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { ANCILLARY_RULES, type AncillaryOffer } from '../../../core/ancillary/products.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { type Plan, planSchema } from '../../../core/model/plan.js';
import { controllerPolicyDefaults } from '../../../core/power/site-power-controller.js';
import { armPlanAwards } from '../../../functions/ancillary/receive-awards.js';
import type { SwitchFlowStarter } from '../../../functions/api/switch-flows.js';
import { deviceFigures } from '../../../iot-greengrass/components/com.hcp.SwitchAgent/src/site-power.js';
import { type PowerScenario, startPowerScenario } from '../../../sim/devices/meter/site-power-scenario.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type ExecutionResult,
} from '../../../sim/local/stepfunctions/index.js';
import { type InjectionDeps, inject, injectionRequestSchema } from '../../../sim/platform/injections.js';
import type { MarketFeed } from '../../../sim/platform/market-feed.js';
import { until } from '../../support/until.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from '../flows/control-flows-stack.js';
import { type FlowHarness, startFlowHarness } from '../flows/harness.js';

/**
 * Ancillary awards on the local platform's real parts: the plan's offers awarded at the clearing price (the local
 * adapter of the awards port), armed through SwitchFlow executed from the synthesized ASL (DynamoDB Local, the signed
 * command over the MQTT broker, the gateway's acks), held by the real gateway on virtual miners (LuxOS over TCP) with
 * its site power controller on a SunSpec meter (Modbus TCP); deployed and recalled through the local platform's
 * injection path; an under-frequency excursion on the grid topic. Simulated time for the gateway and the devices.
 */

const ASICS = 40;
const GPU_NODES = 2;
const HOUR_MS = 3_600_000;
/** The registry's relay set-point for this site: above ERCOT's 59.7 Hz floor, so 59.75 Hz trips it and 59.7 would not be needed. */
const UFR_TRIP_HZ = 59.8;
/** The registry's relay delay: 24 cycles at 60 Hz, 400 ms (ERCOT allows up to 30). */
const UFR_DELAY_CYCLES = 24;
const UFR_DELAY_MS = 400;
/** The power scenario's simulated time step (sim/devices/meter/site-power-scenario.ts). */
const SCENARIO_STEP_MS = 250;
const UFR_MW = 0.02;
const ECRS_MW = 0.03;
const NSPIN_MW = 0.02;
const LADDER = [
  { groupId: 'west-s19xp-a', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 60, sheddableKw: 60 },
  { groupId: 'west-s21-a', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 90, sheddableKw: 70 },
];
const CLEARING_USD_PER_MWH = { 'RRS-UFR': 8.5, ECRS: 12.25, NSPIN: 3.1 } as const;

let template: CfnTemplate;
let harness: FlowHarness;
let s: PowerScenario;
let cloud: mqtt.MqttClient;
const events: Array<Record<string, unknown> & { type: string; action: string; devices: string[] }> = [];
const switches: string[] = [];

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT);
  harness = await startFlowHarness();
  // The gateway's simulated clock starts at the control plane's time, so the flow's commands are valid when they land.
  const warmupMs = 121_000;
  s = await startPowerScenario({
    asics: ASICS,
    gpuNodes: GPU_NODES,
    busyNodes: 1,
    // Room under the limit: the recall's restores are the controller's to make, not the interconnect's to block.
    loadShareOfLimit: 0.9,
    brokerUrl: harness.brokerUrl,
    // On a whole second: the scenario runs the controller and the gateway's tick on the second.
    startMs: Math.floor(harness.clock.nowMs() / 1000) * 1000 - warmupMs,
    // The ladder's rungs stop above $60 (S19 XP) and $90 (S21): a price spike would put every miner to sleep.
    switchAgent: { commandKeys: [harness.commandKey], ladder: LADDER },
    onSwitch: (cause) => switches.push(cause),
    siteOf: (site) => ({
      ...site,
      ancillary: {
        qualifications: [
          { product: 'RRS-UFR', maxOfferMw: 0.05 },
          { product: 'ECRS', maxOfferMw: 0.1 },
          { product: 'NSPIN', maxOfferMw: 0.1 },
        ],
        // The relay-tripped S21s are one ERCOT Load Resource (RRS), the whole site another (ECRS, Non-Spin).
        resources: [
          { name: 'HCP_TEST_UFR1', products: ['RRS-UFR'], groupIds: ['west-s21-a'] },
          { name: 'HCP_TEST_LR1', products: ['ECRS', 'NSPIN'] },
        ],
        ufrTripHz: UFR_TRIP_HZ,
        ufrDelayCycles: UFR_DELAY_CYCLES,
      },
    }),
  });
  // The stand-in gateway of the flow harness stays quiet for this site: the real one answers.
  harness.setBehaviour(s.site.id, 'silent');
  cloud = await mqtt.connectAsync(harness.brokerUrl, { clientId: `ancillary-test-${randomUUID()}` });
  cloud.on('message', (_t, payload) => void events.push(JSON.parse(payload.toString())));
  await cloud.subscribeAsync(siteTopic(s.site.id, 'events'), { qos: 1 });
}, 120_000);

afterAll(async () => {
  await cloud?.endAsync(true);
  await s?.stop();
  await harness?.stop();
});

const groupOf = (deviceId: string) => s.fleet.endpoints.find((e) => e.id === deviceId)!.groupId;
const asleep = () =>
  new Set(s.fleet.miners.filter((m) => !m.context.physics.isAwakeCommanded()).map((m) => m.context.identity.id));
const view = () => s.gateway.switchAgent.view();
const ancillaryEvents = (action: string) => events.filter((e) => e.type === 'ancillary' && e.action === action);

/** The plan's offers for three hours from the current one: the RRS-UFR, ECRS and Non-Spin MW the optimizer chose. */
function planWithOffers(nowMs: number): Plan {
  const hourMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const offers: AncillaryOffer[] = [0, 1, 2].flatMap((h) => [
    { product: 'RRS-UFR', intervalStartMs: hourMs + h * HOUR_MS, offeredMw: UFR_MW, assumedPriceUsdPerMwh: 8 },
    { product: 'ECRS', intervalStartMs: hourMs + h * HOUR_MS, offeredMw: ECRS_MW, assumedPriceUsdPerMwh: 11 },
    { product: 'NSPIN', intervalStartMs: hourMs + h * HOUR_MS, offeredMw: NSPIN_MW, assumedPriceUsdPerMwh: 3 },
  ]);
  return planSchema.parse({
    version: 1,
    createdAt: new Date(nowMs).toISOString(),
    horizonStart: new Date(hourMs).toISOString(),
    intervalMinutes: 60,
    sites: [
      {
        siteId: s.site.id,
        intervals: [{ startsAt: new Date(hourMs).toISOString(), asicGroups: [], gpuPools: [], sitePowerKw: 100 }],
        ladder: [],
        ancillaryOffers: offers,
      },
    ],
    solver: { mode: 'lp', status: 'optimal', objectiveUsd: 0, solveMs: 1 },
  });
}

describe('ancillary awards armed, deployed and recalled on the local platform', () => {
  it('arms the awards of the plan’s offers through SwitchFlow: the gateway acks and names the devices of each', async () => {
    // Prepare: the local awards adapter clears every offer at the interval's clearing price.
    const executions: ExecutionResult[] = [];
    const runner = createStateMachineRunner({
      template,
      logicalIdPrefix: 'SwitchFlow',
      registry: harness.registry,
      ...harness.controlPlane.switchFlow,
    });
    const switchFlows: SwitchFlowStarter = {
      start: async (input, name) => {
        executions.push(await runner.start(input, { executionName: name }));
        return { executionArn: `local:${name}` };
      },
    };
    // The local QSE's message through the handler the awards queue's Lambda runs in AWS.
    const awards = {
      sites: async () => [s.site],
      switchFlows,
      clearingPrice: (product: keyof typeof CLEARING_USD_PER_MWH) => CLEARING_USD_PER_MWH[product],
      nowMs: s.clock.nowMs(),
    };

    // Act
    const armed = await armPlanAwards(awards, planWithOffers(s.clock.nowMs()));

    // Assess: the two hours ahead armed (six awards; the third hour is the next dispatches'), at the clearing
    // price, through one flow, executed and committed.
    expect(armed).toHaveLength(1);
    expect(armed[0]!.awards).toHaveLength(6);
    expect(armed[0]!.awards.every((a) => a.clearingPriceUsdPerMwh === CLEARING_USD_PER_MWH[a.product])).toBe(true);
    // Each award came through the QSE message as its resource's, mapped back to the site by the registry.
    const resourceOf = (product: string) => (product === 'RRS-UFR' ? 'HCP_TEST_UFR1' : 'HCP_TEST_LR1');
    expect(armed[0]!.awards.every((a) => a.resource === resourceOf(a.product))).toBe(true);
    expect(executions[0]).toMatchObject({
      status: 'SUCCEEDED',
      output: { command: { kind: 'arm-ancillary' }, ack: { status: 'executed', reason: 'ok' } },
    });
    expect(await harness.switchStates.get(s.site.id)).toMatchObject({ status: 'committed' });
    const state = view().ancillary!;
    expect(state.armed).toHaveLength(6);
    const stepKw = stepKwOf(s);
    for (const a of state.armed) {
      const awardedKw = a.award.awardedMw * 1000;
      // Exactly enough devices: they cover the award, and without the last one they would not.
      expect(a.shortKw).toBe(0);
      expect(a.armedKw).toBeGreaterThanOrEqual(awardedKw);
      expect(a.armedKw - stepKw(a.devices.at(-1)!)).toBeLessThan(awardedKw);
      // RRS-UFR only on the group the relay trips; ECRS on the least efficient group first, apart from the UFR set.
      const groups = new Set(a.devices.map(groupOf));
      expect([...groups]).toEqual([a.award.product === 'RRS-UFR' ? 'west-s21-a' : 'west-s19xp-a']);
    }
    await until('the armed events on the site’s events topic', () => ancillaryEvents('armed').length === 6);
    expect(ancillaryEvents('armed').find((e) => e.product === 'RRS-UFR')!.detail).toContain(`relay ${UFR_TRIP_HZ} Hz`);
  });

  it('curtails exactly the awarded ECRS MW within ten minutes of a deployment, and restores in order on recall', async () => {
    await deploysWithinItsTimeAndRecalls('ECRS', ECRS_MW);
  }, 300_000);

  it('curtails exactly the awarded Non-Spin MW within thirty minutes of a deployment, and restores in order on recall', async () => {
    await deploysWithinItsTimeAndRecalls('NSPIN', NSPIN_MW);
  }, 300_000);

  it('trips exactly the devices armed for RRS-UFR after the registry’s relay delay, not on a shorter dip, and brings them back', async () => {
    // Prepare
    const armedUfr = view().ancillary!.armed.find(
      (a) => a.award.product === 'RRS-UFR' && a.award.intervalStartMs <= s.clock.nowMs(),
    )!;
    expect(asleep().size).toBe(0);

    // Act: a dip shorter than the relay's delay: 59.75 Hz for one 250 ms step (simulated; the gateway ticks on it),
    // then 59.85 Hz.
    await publishFrequency(59.75);
    await until('the relay timing the dip', () => view().ancillary?.ufrBelowSinceMs !== undefined);
    await s.run(SCENARIO_STEP_MS / 1000);
    await s.gateway.switchAgent.tick();
    await publishFrequency(59.85);
    await until('the dip over', () => view().ancillary?.ufrBelowSinceMs === undefined);
    await s.run(2);

    // Assess: nothing tripped.
    expect(asleep().size).toBe(0);
    expect(view().ancillary!.tripped).toEqual([]);
    expect(ancillaryEvents('tripped')).toHaveLength(0);

    // Act: 59.75 Hz (under the registry's 59.8 Hz set-point, above ERCOT's 59.7 Hz floor) held, in the scenario's
    // 250 ms steps of simulated time with the gateway's tick after each.
    await publishFrequency(59.75);
    await until('the relay timing the excursion', () => view().ancillary?.ufrBelowSinceMs !== undefined);
    const belowSinceMs = view().ancillary!.ufrBelowSinceMs!;
    while (view().ancillary!.tripped.length === 0 && s.clock.nowMs() - belowSinceMs < 2_000) {
      await s.run(SCENARIO_STEP_MS / 1000);
      await s.gateway.switchAgent.tick();
    }
    const tripAfterMs = s.clock.nowMs() - belowSinceMs;

    // Assess: tripped at the first step after the registry's delay ran out (24 cycles: 400 ms), within ERCOT's 30.
    process.stdout.write(
      `RRS-UFR relay: tripped ${tripAfterMs} ms (simulated) after frequency fell below ${UFR_TRIP_HZ} Hz\n`,
    );
    expect(tripAfterMs).toBeGreaterThanOrEqual(UFR_DELAY_MS);
    expect(tripAfterMs).toBeLessThan(UFR_DELAY_MS + SCENARIO_STEP_MS);
    expect(tripAfterMs).toBeLessThanOrEqual(500);
    // Exactly the armed devices asleep (the virtual miners' own state), nothing else.
    await until('exactly the armed devices to trip', () => sameSet(asleep(), new Set(armedUfr.devices)), {
      detail: () => ({ asleep: [...asleep()], armed: armedUfr.devices }),
    });
    expect(view().ancillary!.tripped).toEqual(armedUfr.devices);
    await until('the tripped event', () => ancillaryEvents('tripped').length === 1);
    expect(ancillaryEvents('tripped')[0]).toMatchObject({ product: 'RRS-UFR', devices: armedUfr.devices });
    // Recorded like every local reaction once the devices have replied.
    await until('the trip recorded as a local switch', () => switches.includes('grid:frequency'));

    // Act: frequency recovers; the trip's minimum time and restore batches run on the simulated clock.
    await publishFrequency(60);
    await until('the restored event', () => ancillaryEvents('restored').length === 1);
    await s.run(6 * 60);

    // Assess
    await until('every tripped device back on', () => asleep().size === 0, { detail: () => [...asleep()] });
    expect(view().ancillary!.tripped).toEqual([]);
  }, 300_000);

  it('keeps the awards’ devices on through a price spike that puts every other miner to sleep', async () => {
    // Prepare: the devices standing for the awards in force (RRS-UFR and ECRS).
    const nowMs = s.clock.nowMs();
    const standing = new Set(
      view()
        .ancillary!.armed.filter((a) => a.award.intervalStartMs <= nowMs && nowMs < a.award.intervalEndMs)
        .flatMap((a) => a.devices),
    );
    const miners = s.fleet.miners.map((m) => m.context.identity.id);
    expect(asleep().size).toBe(0);

    // Act: $500/MWh, above both rungs.
    await publishSignal({ kind: 'price', priceUsdPerMwh: 500 });

    // Assess: the ladder held both groups, yet the award's devices hash on: the award is worth more than the energy.
    const expected = new Set(miners.filter((id) => !standing.has(id)));
    await until('every miner but the awards’ asleep', () => sameSet(asleep(), expected), {
      detail: () => ({ asleep: asleep().size, expected: expected.size }),
    });
    expect(view().heldGroups.sort()).toEqual(['west-s19xp-a', 'west-s21-a']);
    expect(standing.size).toBeGreaterThan(0);
  }, 300_000);
});

/**
 * An ECRS or Non-Spin deployment on the local platform's injection path (publishing on the grid topic as the
 * dashboard's control does): the awarded MW curtailed within the product's deployment time, by the armed devices and
 * not much more; the recall the injection schedules restores every device, in the controller's order.
 */
async function deploysWithinItsTimeAndRecalls(product: 'ECRS' | 'NSPIN', awardedMw: number) {
  // Prepare: this deployment's events only (the suite's earlier tests published theirs).
  const since = events.length;
  const recent = () => events.slice(since);
  const ofProduct = (action: string) =>
    recent().filter((e) => e.type === 'ancillary' && e.action === action && e.product === product);
  const recalls: Array<() => unknown> = [];
  const deps: InjectionDeps = {
    clock: s.clock,
    feed: {} as MarketFeed, // a grid event never touches the market feed
    replay: { nudge: () => undefined, at: (_ms, task) => void recalls.push(task) },
    sites: [s.site],
    publish: async (topic, payload) => void (await cloud.publishAsync(topic, payload, { qos: 1 })),
    onEvent: () => undefined,
  };
  await s.run(3);
  const baselineKw = s.meter.truePowerW() / 1000;
  const armedEcrs = view().ancillary!.armed.find(
    (a) => a.award.product === product && a.award.intervalStartMs <= s.clock.nowMs(),
  )!;
  const before = asleep();
  expect(before.size).toBe(0);

  // Act: deploy (no MW named: the award in force).
  await inject(
    injectionRequestSchema.parse({
      kind: 'demand-response',
      product,
      durationMinutes: 20,
      siteIds: [s.site.id],
    }),
    deps,
  );
  await until('the gateway to hold the deployment', () => view().ancillary?.deployment);
  const deployedAtMs = s.clock.nowMs();
  const awardedKw = awardedMw * 1000;
  let deliveredAtMs: number | undefined;
  while (s.clock.nowMs() - deployedAtMs < ANCILLARY_RULES[product].deploymentSeconds * 1000) {
    // Simulated time waits for the miners to take their switch, as real time would: a busy machine must not
    // make a switch land seconds late in simulated time, and the controller shed again for a ramp not yet begun.
    await until('the gateway’s switches taken', () => view().devices.pending === 0);
    await s.run(1);
    if (baselineKw - s.meter.truePowerW() / 1000 >= awardedKw) {
      deliveredAtMs = s.clock.nowMs();
      break;
    }
  }
  await s.run(30);

  // Assess: delivered within the product's deployment time, by the armed devices, and not much more.
  expect(deliveredAtMs).toBeDefined();
  const deliveredInS = (deliveredAtMs! - deployedAtMs) / 1000;
  expect(deliveredInS).toBeLessThanOrEqual(ANCILLARY_RULES[product].deploymentSeconds);
  const deployment = view().ancillary!.deployment!;
  expect(deployment).toMatchObject({ product, deployKw: awardedKw });
  expect(deployment.devices).toEqual(armedEcrs.devices);
  // The controller lowers power targets before it sleeps miners (issue 24): the award's devices are the first it
  // takes either way.
  const actions = recent().filter((e) => e.type === 'power-control');
  const acted = new Set(actions.filter((e) => e.action === 'shed' || e.action === 'trim').flatMap((e) => e.devices));
  expect(actions[0]!.devices.slice(0, deployment.devices.length)).toEqual(deployment.devices);
  for (const id of deployment.devices) expect(acted.has(id)).toBe(true);
  const droppedKw = baselineKw - s.meter.truePowerW() / 1000;
  const stepKw = stepKwOf(s);
  const maxStepKw = Math.max(...[...acted].map(stepKw));
  // The controller's target sits its margin under the limit (baseline − award): that, and one device, is the slack.
  const slackKw = controllerPolicyDefaults.marginFraction * (baselineKw - awardedKw) + maxStepKw;
  expect(droppedKw).toBeGreaterThanOrEqual(awardedKw);
  expect(droppedKw).toBeLessThanOrEqual(awardedKw + slackKw);
  expect(view().sitePower).toMatchObject({ limitSource: 'demand-response' });
  await until('the deployment recorded as a local switch', () => switches.includes('power-limit'));
  await until('the deployed event', () => ofProduct('deployed').length === 1);
  expect(ofProduct('deployed')[0]).toMatchObject({ product, deployMw: awardedMw });
  process.stdout.write(
    `${product} ${awardedKw} kW awarded: delivered ${droppedKw.toFixed(1)} kW ${deliveredInS} s (simulated) after the deployment; ` +
      `${asleep().size} devices asleep, ${acted.size} shed or trimmed, ${deployment.devices.length} armed\n`,
  );

  // Act: the recall the injection scheduled for the end of its window.
  await recalls[0]!();
  await until('the gateway to end the deployment', () => view().ancillary?.deployment === undefined);
  const recalledAtMs = s.clock.nowMs();
  await s.run(11 * 60);

  // Assess: every device back at full power, after the recall, by the controller's restores and raises.
  expect(asleep().size).toBe(0);
  expect(view().sitePower).toMatchObject({ limitSource: 'interconnect', heldDevices: 0, trimmedDevices: 0 });
  await until('the recalled event', () => ofProduct('recalled').length === 1);
  const restores = recent().filter(
    (e) => e.type === 'power-control' && (e.action === 'restore' || e.action === 'raise'),
  );
  const restored = restores.flatMap((e) => e.devices);
  expect(new Set(restored)).toEqual(acted);
  expect(Date.parse(String(restores[0]!.at))).toBeGreaterThan(recalledAtMs);
}

async function publishFrequency(frequencyHz: number) {
  await publishSignal({ kind: 'frequency', frequencyHz });
}

async function publishSignal(signal: Record<string, unknown>) {
  const message = { at: new Date(s.clock.nowMs()).toISOString(), node: s.site.marketNode, ...signal };
  await cloud.publishAsync(siteTopic(s.site.id, 'grid'), JSON.stringify(message), { qos: 1 });
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** A device's facility step, kW, as the gateway reckons it from the site model. */
function stepKwOf(scenario: PowerScenario) {
  return (deviceId: string) => {
    const device = scenario.fleet.endpoints.find((e) => e.id === deviceId)!;
    const inGroup = scenario.fleet.endpoints.filter((e) => e.groupId === device.groupId).length;
    return deviceFigures(scenario.site, device, inGroup)!.controlled.stepKw;
  };
}
