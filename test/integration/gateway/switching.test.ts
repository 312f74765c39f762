import { UNDER_FREQUENCY_TRIP_HZ } from '../../../core/messages/grid-signal.js';
import { count, type Harness, INTERVAL_MS, planWith, startHarness } from './harness.js';

describe('SwitchAgent on virtual miners over TCP', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await h.startGateway();
  });
  afterEach(async () => {
    await h.stop();
  });

  async function applyPlan(shares: ReadonlyArray<Record<string, number>>) {
    const command = h.command('apply-plan', { plan: planWith(shares) });
    await h.send(command);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === command.commandId && a.status === 'executed'));
  }

  it('applies each interval of the plan at its boundary by its own clock', async () => {
    // Prepare
    await applyPlan([
      { 'west-s19xp-a': 0.5, 'west-s21-a': 1 },
      { 'west-s19xp-a': 0, 'west-s21-a': 0.25 },
    ]);
    const s19 = h.awake('west-s19xp-a').length;
    const s21 = h.awake('west-s21-a').length;
    expect(count(h.awake('west-s19xp-a'))).toBe(Math.round(0.5 * s19));
    expect(count(h.awake('west-s21-a'))).toBe(s21);

    // Act: one second before the boundary nothing moves; at the boundary the second interval applies.
    h.clock.advanceMs(INTERVAL_MS - 1000);
    await h.gateway.tick();
    const before = count(h.awake('west-s19xp-a'));
    h.clock.advanceMs(1000);
    await h.gateway.tick();

    // Assess
    expect(before).toBe(Math.round(0.5 * s19));
    expect(count(h.awake('west-s19xp-a'))).toBe(0);
    expect(count(h.awake('west-s21-a'))).toBe(Math.round(0.25 * s21));
    expect(h.gateway.state().switchAgent.intervalIndex).toBe(1);
  });

  it('runs each unit at its share of the group power target, with the asleep units’ draw taken off', async () => {
    // Prepare: S21s all on at 2,450 W per unit in the second interval (the optimizer underclocking to fit the cap).
    const plan = planWith([{}, {}]);
    const s21 = plan.sites[0]!.intervals[1]!.asicGroups.find((g) => g.groupId === 'west-s21-a')!;
    s21.unitsOn = 2000;
    s21.powerTargetKw = (2000 * 2450 + 2000 * 25) / 1000;
    const command = h.command('apply-plan', { plan });
    await h.send(command);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === command.commandId && a.status === 'executed'));
    const profiles = () =>
      h.fleet.miners
        .filter((m) => m.item.groupId === 'west-s21-a' && m.context.physics.isAwakeCommanded())
        .map((m) => m.context.physics.activeProfile.name);

    // Act
    const before = profiles();
    h.clock.advanceMs(INTERVAL_MS);
    await h.gateway.tick();

    // Assess
    expect(new Set(before)).toEqual(new Set(['default']));
    expect(profiles()).toHaveLength(Math.round(h.awake('west-s21-a').length / 2));
    expect(new Set(profiles())).toEqual(new Set(['underclock-2']));
  });

  it('curtails exactly the rungs whose stop price the spike exceeds, and restores in staggered batches', async () => {
    // Prepare
    await applyPlan([{}, {}, {}]);

    // Act: 75 $/MWh is above the S19 XP rung (60) and below the S21 rung (90).
    await h.signal({ kind: 'price', priceUsdPerMwh: 75 });

    // Assess
    expect(count(h.awake('west-s19xp-a'))).toBe(0);
    expect(count(h.awake('west-s21-a'))).toBe(h.awake('west-s21-a').length);
    expect(h.gateway.state().switchAgent.heldGroups).toEqual(['west-s19xp-a']);

    // A price inside the hysteresis band (55 > 60 − 10) keeps the rung off.
    h.clock.advanceMs(120_000);
    await h.signal({ kind: 'price', priceUsdPerMwh: 55 });
    await h.gateway.tick();
    expect(count(h.awake('west-s19xp-a'))).toBe(0);

    // Below the band, after the minimum curtailed time, devices come back 5 per 2 s batch.
    await h.signal({ kind: 'price', priceUsdPerMwh: 40 });
    const restored: number[] = [count(h.awake('west-s19xp-a'))];
    for (let i = 0; i < 4; i++) {
      h.clock.advanceMs(2000);
      await h.gateway.tick();
      restored.push(count(h.awake('west-s19xp-a')));
    }
    const total = h.awake('west-s19xp-a').length;
    expect(restored.slice(0, 2)).toEqual([5, 10]);
    expect(restored.at(-1)).toBe(Math.min(total, 25));
  });

  it('keeps a price-curtailed rung off for the minimum curtailed time even when the price falls at once', async () => {
    await applyPlan([{}, {}]);
    await h.signal({ kind: 'price', priceUsdPerMwh: 95 });
    h.clock.advanceMs(30_000);
    await h.signal({ kind: 'price', priceUsdPerMwh: 10 });
    await h.gateway.tick();
    expect(count(h.awake('west-s21-a'))).toBe(0);
    expect(count(h.awake('west-s19xp-a'))).toBe(0);
  });

  it('drops the committed MW on a demand-response deployment, cheapest rungs first', async () => {
    // Prepare: the site commits 8 MW; the first rung frees 9.4 MW.
    await applyPlan([{}, {}]);

    // Act
    await h.signal({ kind: 'demand-response', eventId: 'ers-1', action: 'deploy' });

    // Assess
    expect(count(h.awake('west-s19xp-a'))).toBe(0);
    expect(count(h.awake('west-s21-a'))).toBe(h.awake('west-s21-a').length);

    // A larger deployment walks further up the ladder.
    await h.signal({ kind: 'demand-response', eventId: 'ers-2', action: 'deploy', deployMw: 12 });
    expect(count(h.awake('west-s21-a'))).toBe(0);
  });

  it('trips the frequency-trip groups at once on an under-frequency dip', async () => {
    await applyPlan([{}, {}]);
    await h.signal({ kind: 'frequency', frequencyHz: UNDER_FREQUENCY_TRIP_HZ + 0.05 });
    expect(count(h.awake('west-s21-a'), false)).toBe(0);

    await h.signal({ kind: 'frequency', frequencyHz: UNDER_FREQUENCY_TRIP_HZ - 0.1 });

    // S21s are designated (frequencyTrip) in the reference site; S19 XPs are not.
    expect(count(h.awake('west-s21-a'))).toBe(0);
    expect(count(h.awake('west-s19xp-a'))).toBe(h.awake('west-s19xp-a').length);
  });

  it('retries a device that does not answer and marks it drifted after the configured tries', async () => {
    // Prepare
    await applyPlan([{}, {}]);
    const miner = h.fleet.miners.find((m) => m.item.groupId === 'west-s19xp-a')!;
    miner.server.setFault({ kind: 'reset' });

    // Act: the spike sends sleep; the agent retries on each tick until maxAttempts (3).
    await h.signal({ kind: 'price', priceUsdPerMwh: 75 });
    await h.gateway.tick();
    const midway = h.gateway.state().switchAgent.drifted;
    await h.gateway.tick();

    // Assess
    expect(midway).toEqual([]);
    expect(h.gateway.state().switchAgent.drifted).toEqual([miner.context.identity.id]);
    expect(miner.context.physics.isAwakeCommanded()).toBe(true);
    expect(count(h.awake('west-s19xp-a'))).toBe(1);
  });

  it('does not hold a grid signal behind a wedged miner, neither behind another signal nor behind retries', async () => {
    // Prepare: a wedged S19 XP makes every request to it wait for its 2 s timeout.
    await applyPlan([{}, {}]);
    const wedged = h.fleet.miners.find((m) => m.item.groupId === 'west-s19xp-a')!;
    wedged.server.setFault({ kind: 'hang' });
    let spikeSettled = false;
    const spike = h.signal({ kind: 'price', priceUsdPerMwh: 75 }).then(() => {
      spikeSettled = true;
    });

    // Act: an under-frequency trip while the spike still waits for the wedged miner…
    await h.signal({ kind: 'frequency', frequencyHz: 59.5 });
    const s21AfterTrip = count(h.awake('west-s21-a'));
    const spikeSettledAtTrip = spikeSettled;
    await spike;
    // …and a price signal while the tick retries it.
    let tickSettled = false;
    const tick = h.gateway.tick().then(() => {
      tickSettled = true;
    });
    await h.signal({ kind: 'price', priceUsdPerMwh: 20 });
    const tickSettledAtSignal = tickSettled;
    await tick;
    wedged.server.setFault(null);

    // Assess
    expect(spikeSettledAtTrip).toBe(false);
    expect(s21AfterTrip).toBe(0);
    expect(tickSettledAtSignal).toBe(false);
  });
});
