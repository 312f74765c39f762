import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { sequenceKey } from '../../../functions/shared/data/switch-state-store.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type CfnTemplate, createStateMachineRunner } from '../../../sim/local/stepfunctions/index.js';
import { until } from '../../support/until.js';
import { LADDER, planWith, SITE, SITE_ID } from '../gateway/harness.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, startFlowHarness, TABLE_NAME } from './harness.js';

/**
 * The switching contract end to end: SwitchFlow from the synthesized ASL, the real gateway (SwitchAgent over MQTT)
 * and the virtual miners it drives. The cloud's command, sequence number, validity and task token, and the gateway's
 * acks, must agree for the flow to end where it is documented to.
 */

let template: CfnTemplate;
let harness: FlowHarness;
let fleet: VirtualFleet;
let gateway: RunningGateway;
let stateDir: string;

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT);
  harness = await startFlowHarness();
  // The stand-in gateway stays quiet for this site: the real one answers.
  harness.setBehaviour(SITE_ID, 'silent');
  fleet = await startVirtualFleet({
    asics: 24,
    gpuNodes: 2,
    seed: 11,
    clock: harness.clock,
    site: SITE_ID,
    gpuAutoTickMs: 0,
  });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-flow-gateway-'));
  gateway = await startGateway({
    siteId: SITE_ID,
    site: SITE,
    brokerUrl: harness.brokerUrl,
    devices: fleet.endpoints,
    stateDir,
    clock: harness.clock,
    autoTick: false,
    config: { switchAgent: { heartbeatTimeoutMs: 3_600_000, ladder: LADDER } },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await fleet?.stop();
  await harness?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const awake = (groupId: string) =>
  fleet.miners.filter((m) => m.item.groupId === groupId).map((m) => m.context.physics.isAwakeCommanded());
const count = (flags: boolean[]) => flags.filter(Boolean).length;

function runner() {
  return createStateMachineRunner({
    template,
    logicalIdPrefix: 'SwitchFlow',
    registry: harness.registry,
    ...harness.controlPlane.switchFlow,
  });
}

describe('SwitchFlow with the real gateway', () => {
  it('applies a plan version on the site’s miners and commits on the gateway’s executed ack', async () => {
    // Prepare
    const plan = planWith([{ 'west-s19xp-a': 0.5, 'west-s21-a': 1 }], 1, Math.floor(Date.now() / 300_000) * 300_000);
    expect((await harness.plans.save(plan)).ok).toBe(true);

    // Act
    const result = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed', seq: 1 } } });
    const s19 = awake('west-s19xp-a');
    expect(count(s19)).toBe(Math.round(0.5 * s19.length));
    expect(count(awake('west-s21-a'))).toBe(awake('west-s21-a').length);
    expect(await harness.lockOf(SITE_ID)).toBeUndefined();
  });

  it('compensates when the gateway refuses a stale sequence number, and the gateway applies the safe mode', async () => {
    // Prepare: the site's counter is lost, so the next command reuses seq 1, which the gateway already accepted.
    await harness.client.send(new DeleteCommand({ TableName: TABLE_NAME, Key: sequenceKey(SITE_ID) }));
    const untrackedBefore = harness.ackHandlings.filter((h) => h === 'untracked').length;

    // Act
    const result = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await harness.switchStates.get(SITE_ID)).toMatchObject({
      status: 'safe-mode',
      error: 'Ack.Rejected',
      seq: 2,
    });
    expect(await harness.lockOf(SITE_ID)).toBeUndefined();
    // The safe-mode command (seq 2, no token) is executed by the gateway: its ASICs are curtailed.
    const awakeAsics = () => count([...awake('west-s19xp-a'), ...awake('west-s21-a')]);
    await until('the safe mode to curtail the ASICs', () => awakeAsics() === 0, { detail: awakeAsics });
    // Its ack carries no token: the ack use case counts it as untracked.
    await until(
      'the safe-mode ack',
      () => harness.ackHandlings.filter((h) => h === 'untracked').length > untrackedBefore,
    );
  });

  it('feeds the gateway’s cloud watchdog with the market price relay', async () => {
    // Prepare
    const before = gateway.state().switchAgent.lastHeartbeatMs;
    // The relay's heartbeat must be stamped later than the last one: wait for the harness clock to move on.
    await until('the clock to pass the last heartbeat', () => harness.clock.nowMs() > before);
    const source = {
      name: 'fixed',
      snapshotAt: async (atMs: number) => ({
        at: new Date(atMs).toISOString(),
        intervalMinutes: 15,
        prices: [{ node: SITE.marketNode, realTimeUsdPerMwh: 31 }],
        hashprice: {
          hashpriceUsdPerThDay: 0.05,
          btcPriceUsd: 95_000,
          difficulty: 1.1e14,
          subsidyBtc: 3.125,
          feesBtcPerDay: 20,
        },
        gpuSpotUsdPerGpuHour: 2,
        gridEvents: [],
      }),
    };

    // Act
    await harness.controlPlane.ingestMarket(source);

    // Assess
    await until('the relayed price to reach the gateway', () => gateway.state().switchAgent.lastHeartbeatMs !== before);
    expect(gateway.state().switchAgent.lastHeartbeatMs).toBeGreaterThan(before);
  });
});
