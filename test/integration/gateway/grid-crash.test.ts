import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, type Harness, planWith, startHarness } from './harness.js';

const STATE_FILE = path.join('switch-agent', 'state.json');

/**
 * A crash in the middle of a grid reaction: the gateway process dies the moment the first miner hears its `curtail
 * sleep`. What a killed process leaves is what it had written (the kernel keeps it; fsync only matters for a power
 * cut), so the state file is copied at that instant and a new gateway starts from the copy.
 */
describe('a gateway that crashes while reacting to a demand-response deployment', () => {
  let h: Harness;
  let crashDir: string;

  beforeEach(async () => {
    h = await startHarness();
    await h.startGateway();
    crashDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-crash-'));
  });
  afterEach(async () => {
    await h.stop();
    rmSync(crashDir, { recursive: true, force: true });
  });

  it('has the one-shot hold on disk before any miner hears the switch, and the restarted gateway keeps it', async () => {
    // Prepare: everything running under a plan; the crash point on every miner's `curtail sleep`.
    const plan = h.command('apply-plan', { plan: planWith([{}, {}]) });
    await h.send(plan);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === plan.commandId && a.status === 'executed'));
    let crashed = false;
    for (const miner of h.fleet.miners) {
      const physics = miner.context.physics;
      const sleep = physics.sleep.bind(physics);
      physics.sleep = () => {
        if (!crashed) {
          crashed = true;
          mkdirSync(path.dirname(path.join(crashDir, STATE_FILE)), { recursive: true });
          copyFileSync(path.join(h.stateDir, STATE_FILE), path.join(crashDir, STATE_FILE));
        }
        sleep();
      };
    }

    // Act: the deployment (one message, never repeated); the crashed process is gone, a new one starts from the copy.
    await h.signal({ kind: 'demand-response', eventId: 'ers-crash', action: 'deploy' });
    expect(crashed).toBe(true);
    await h.gateway.stop();
    await h.startGateway({ stateDir: crashDir });
    await h.gateway.tick();

    // Assess: the first rung is held for the deployment and stays asleep; nothing was woken.
    expect(h.gateway.switchAgent.view().heldGroups).toEqual(['west-s19xp-a']);
    expect(count(h.awake('west-s19xp-a'))).toBe(0);
    expect(count(h.awake('west-s21-a'))).toBe(h.awake('west-s21-a').length);
  });
});
