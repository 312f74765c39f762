import type { SiteMode } from '../../core/messages/command.js';
import { asicInventory } from '../../sim/devices/inventory.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { recordFigure, timed } from './support/figures.js';
import {
  countOn,
  eventually,
  overrideRequest,
  SITE,
  type SiteHarness,
  startSiteHarness,
} from './support/site-harness.js';

/**
 * A miner that answers garbage (its firmware's reply is not the cgminer API) and one that stops answering (accepts the
 * connection, never replies), among healthy ones, under a real SwitchFlow and a local price signal.
 */

const S21 = 'west-s21-a';

let h: SiteHarness;
let garbled: string;
let wedged: string;

beforeAll(async () => {
  const template = synthesizeControlFlows();
  // The first S21 answers through a proxy the test can turn to garbage; the second hangs on its own server.
  const s21 = asicInventory(SITE, 12, 11)
    .filter((item) => item.groupId === S21)
    .map((item) => item.id)
    .sort();
  [garbled, wedged] = [s21[0]!, s21[1]!];
  h = await startSiteHarness(template, { proxiedDevices: [garbled], switchAgent: { heartbeatTimeoutMs: 86_400_000 } });
  await h.restartGateway();
  expect(await h.applyFirstPlan()).toMatchObject({ status: 'SUCCEEDED' });
});

afterAll(async () => {
  await h?.stop();
});

const override = (mode: SiteMode) => overrideRequest(h, mode);
const miner = (id: string) => h.fleet.miners.find((m) => m.context.identity.id === id)!;
const agent = () => h.gateway.state().switchAgent;

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    h.clock.advanceMs(10_000);
    await h.gateway.tick();
  }
}

describe('a miner that answers garbage', () => {
  it('is reported partially applied, retried, then marked drifted; the others switch; telemetry skips it', async () => {
    // Prepare
    h.deviceProxies.get(garbled)!.setMode('garbage');
    const healthy = h.fleet.miners.filter((m) => m.context.identity.id !== garbled);

    // Act
    const result = await h.runSwitchFlow(override('all-off'));
    const failuresAfterFlow = agent().failures;
    await ticks(3);
    const metrics = await h.gateway.pollTelemetry();

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { ack: { status: 'executed', reason: 'partially-applied' } },
    });
    expect(failuresAfterFlow).toEqual({ 'garbage-reply': 1 });
    expect(healthy.every((m) => !m.context.physics.isAwakeCommanded())).toBe(true);
    expect(miner(garbled).context.physics.isAwakeCommanded()).toBe(true);
    expect(agent().drifted).toEqual([garbled]);
    expect(metrics).toBe(h.fleet.endpoints.length - 1);
    expect(h.gateway.state().telemetry.failedReads).toBeGreaterThanOrEqual(1);
  });

  it('is switched again once telemetry sees it back in the wrong state, then follows the next target', async () => {
    // Prepare
    h.deviceProxies.get(garbled)!.setMode('pass');

    // Act: telemetry reads it hashing while its group sleeps; the next tick's retry pass sends it again
    await h.gateway.pollTelemetry();
    const hashingAtRecovery = miner(garbled).context.physics.isAwakeCommanded();
    await ticks(2);
    const asleepAfterRecovery = !miner(garbled).context.physics.isAwakeCommanded();
    const driftedAfterRecovery = agent().drifted;
    const result = await h.runSwitchFlow(override('all-on'));
    await ticks(1);

    // Assess
    expect(hashingAtRecovery).toBe(true);
    expect(asleepAfterRecovery).toBe(true);
    expect(driftedAfterRecovery).toEqual([]);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { reason: 'ok' } } });
    expect(agent().drifted).toEqual([]);
    expect(countOn(h.fleet.miners.map((m) => m.context.physics.isAwakeCommanded()))).toBe(h.fleet.miners.length);
  });
});

describe('a miner that stops answering', () => {
  it('does not hold back a local curtailment of the others; it times out, is retried and marked drifted', async () => {
    // Prepare
    miner(wedged).server.setFault({ kind: 'hang' });
    const others = h.fleet.miners.filter((m) => m.context.identity.id !== wedged);

    // Act: a price above both ASIC rungs from the site's meter.
    let othersAsleepFirst = false;
    const { result: report, elapsedMs } = await timed(async () => {
      let settled = false;
      const switching = h.gateway.switchAgent.handleGridSignal({
        kind: 'price',
        at: new Date(h.clock.nowMs()).toISOString(),
        node: 'HB_WEST',
        priceUsdPerMwh: 500,
      });
      void switching.then(() => {
        settled = true;
      });
      const asleep = await eventually(() => others.every((m) => !m.context.physics.isAwakeCommanded()));
      // The others were asleep while the wedged miner's request was still waiting for its timeout.
      othersAsleepFirst = asleep && !settled;
      return switching;
    });
    await ticks(3);

    // Assess
    expect(othersAsleepFirst).toBe(true);
    // 500 $/MWh is above the GPU rung too: every device but the wedged miner accepted.
    expect(report).toMatchObject({ sent: h.fleet.endpoints.length, accepted: h.fleet.endpoints.length - 1, failed: 1 });
    expect(miner(wedged).context.physics.isAwakeCommanded()).toBe(true);
    expect(agent().drifted).toEqual([wedged]);
    expect(agent().failures).toEqual({ timeout: 1 });
    recordFigure('devices.signal-with-wedged-miner-settled', Math.round(elapsedMs), 'ms (real; cgminer timeout 2 s)');
    miner(wedged).server.setFault(null);
  });
});
