import fc from 'fast-check';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { seededRng } from '../../../core/support/random.js';
import { MinerPhysics, type MinerPhysicsOptions } from '../../../sim/devices/asic/physics.js';
import { profilesFor } from '../../../sim/devices/asic/profiles.js';

const s21 = referenceFleet.sites[0]!.asicGroups.find((g) => g.model === 'Antminer S21')!;
const profiles = profilesFor(s21);
const stock = profiles.at(-1)!;

function makeMiner(overrides: Partial<MinerPhysicsOptions> = {}, seed = 1) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const physics = new MinerPhysics(
    {
      profiles,
      sleepPowerW: s21.sleepPowerW,
      wakeSeconds: s21.wakeSeconds,
      sleepSeconds: s21.sleepSeconds,
      boardFailuresPerBoardYear: 0,
      ...overrides,
    },
    clock,
    seededRng(seed),
  );
  return { clock, physics };
}

describe('virtual miner physics', () => {
  it('drops to sleep power within sleepSeconds and reaches full hashrate wakeSeconds after wakeup', () => {
    // Prepare
    const { clock, physics } = makeMiner();

    // Act
    physics.sleep();
    clock.advanceMs((s21.sleepSeconds * 1000) / 2);
    const halfwayDown = { state: physics.state(), powerW: physics.powerW() };
    clock.advanceMs((s21.sleepSeconds * 1000) / 2);
    const asleep = { state: physics.state(), powerW: physics.powerW(), hashrate: physics.hashrateThs() };
    clock.advanceMs(600_000);
    physics.wakeup();
    clock.advanceMs((s21.wakeSeconds * 1000) / 2);
    const halfwayUp = { state: physics.state(), hashrate: physics.hashrateThs() };
    clock.advanceMs((s21.wakeSeconds * 1000) / 2 - 1);
    const justBefore = physics.state();
    clock.advanceMs(1);
    const awake = { state: physics.state(), powerW: physics.powerW(), hashrate: physics.hashrateThs() };

    // Assess
    expect(halfwayDown.state).toBe('sleeping');
    expect(halfwayDown.powerW).toBeCloseTo((stock.powerW + s21.sleepPowerW) / 2, 6);
    expect(asleep).toEqual({ state: 'asleep', powerW: s21.sleepPowerW, hashrate: 0 });
    expect(halfwayUp.state).toBe('waking');
    expect(halfwayUp.hashrate).toBeCloseTo(stock.hashrateThs / 2, 6);
    expect(justBefore).toBe('waking');
    expect(awake).toEqual({ state: 'hashing', powerW: stock.powerW, hashrate: stock.hashrateThs });
  });

  it('integrates energy exactly over a sleep ramp (trapezoid) and a steady hour', () => {
    // Prepare
    const { clock, physics } = makeMiner();

    // Act
    clock.advanceMs(3600_000);
    const steadyHourWh = physics.energyWh();
    physics.sleep();
    clock.advanceMs(s21.sleepSeconds * 1000);
    const rampWh = physics.energyWh() - steadyHourWh;

    // Assess
    expect(steadyHourWh).toBeCloseTo(stock.powerW, 9);
    expect(rampWh).toBeCloseTo((((stock.powerW + s21.sleepPowerW) / 2) * s21.sleepSeconds) / 3600, 9);
  });

  it('never draws more than the active profile and integrates energy to the sampled power, whatever the commands', () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('sleep' as const) }),
      fc.record({ kind: fc.constant('wakeup' as const) }),
      fc.record({ kind: fc.constant('profile' as const), index: fc.integer({ min: 0, max: profiles.length - 1 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), fc.integer({ min: 0, max: 1000 }), (commands, seed) => {
        // Prepare: boards fail often enough to matter within the run.
        const { clock, physics } = makeMiner({ boardFailuresPerBoardYear: 2000 }, seed);
        let sampledWh = 0;
        // Act & Assess
        for (const c of commands) {
          if (c.kind === 'sleep') physics.sleep();
          else if (c.kind === 'wakeup') physics.wakeup();
          else if (c.kind === 'profile') physics.setProfile(profiles[c.index]!);
          else {
            // Power is piecewise linear; 100 ms trapezoids match it up to the kinks.
            for (let left = c.ms; left > 0; left -= 100) {
              const step = Math.min(100, left);
              const before = physics.powerW();
              clock.advanceMs(step);
              sampledWh += ((before + physics.powerW()) / 2) * (step / 3_600_000);
            }
          }
          expect(physics.powerW()).toBeLessThanOrEqual(physics.activeProfile.powerW + 1e-9);
          expect(physics.powerW()).toBeGreaterThanOrEqual(s21.sleepPowerW - 1e-9);
          expect(physics.hashrateThs()).toBeLessThanOrEqual(physics.activeProfile.hashrateThs + 1e-9);
        }
        expect(Math.abs(physics.energyWh() - sampledWh)).toBeLessThan(0.01 + sampledWh * 1e-3);
      }),
      { numRuns: 60, seed: 20260101 },
    );
  });

  it('lowers power at once on a lower profile and re-tunes upward at the wake rate', () => {
    // Prepare
    const { clock, physics } = makeMiner();
    const lowest = profiles[0]!;

    // Act
    physics.setProfile(lowest);
    const lowered = physics.powerW();
    physics.setProfile(stock);
    const justRaised = physics.powerW();
    clock.advanceMs(s21.wakeSeconds * 1000);
    const settled = physics.powerW();

    // Assess
    expect(lowered).toBe(lowest.powerW);
    expect(justRaised).toBeCloseTo(lowest.powerW, 6);
    expect(settled).toBe(stock.powerW);
  });

  it('heats toward a steady board temperature with a first-order lag after waking', () => {
    // Prepare
    const { clock, physics } = makeMiner({ startAsleep: true, thermalTimeConstantSeconds: 120 });
    const coldC = physics.temperature();

    // Act
    physics.wakeup();
    clock.advanceMs(s21.wakeSeconds * 1000 + 120_000);
    const afterOneTauC = physics.temperature();
    clock.advanceMs(3600_000);
    const steadyC = physics.temperature();

    // Assess
    expect(coldC).toBeLessThan(27);
    expect(afterOneTauC).toBeGreaterThan(coldC);
    expect(afterOneTauC).toBeLessThan(steadyC - 5);
    expect(steadyC).toBeCloseTo(65, 1);
  });

  it('lets the 1m and 15m hashrate averages lag a wake-up, as cgminer’s decaying averages do', () => {
    // Prepare
    const { clock, physics } = makeMiner({ startAsleep: true });

    // Act
    physics.wakeup();
    clock.advanceMs(s21.wakeSeconds * 1000);
    const atFullRate = { m1: physics.rollingHashrateThs(60), m15: physics.rollingHashrateThs(900) };
    clock.advanceMs(600_000);
    const tenMinutesLater = { m1: physics.rollingHashrateThs(60), m15: physics.rollingHashrateThs(900) };

    // Assess
    expect(physics.hashrateThs()).toBe(stock.hashrateThs);
    expect(atFullRate.m1).toBeLessThan(stock.hashrateThs * 0.7);
    expect(atFullRate.m15).toBeLessThan(atFullRate.m1);
    expect(tenMinutesLater.m1).toBeCloseTo(stock.hashrateThs, 1);
    expect(tenMinutesLater.m15).toBeLessThan(stock.hashrateThs * 0.6);
  });

  it('follows a change of intake temperature with its lag', () => {
    // Prepare
    const { clock, physics } = makeMiner({ thermalTimeConstantSeconds: 120 });
    const before = physics.temperature();

    // Act
    physics.setAmbientC(40);
    clock.advanceMs(3600_000);

    // Assess: 15 K warmer intake, 15 K warmer boards once settled.
    expect(physics.temperature()).toBeCloseTo(before + 15, 3);
  });

  it('loses a failed hashboard’s share of hashrate and power', () => {
    // Prepare: a rate that fails every board within about an hour.
    const { clock, physics } = makeMiner({ boardFailuresPerBoardYear: 365 * 24 * 3 }, 5);

    // Act
    let boards = physics.hashboards();
    while (boards.filter((b) => b.alive).length === 3) {
      clock.advanceMs(60_000);
      boards = physics.hashboards();
    }
    const alive = boards.filter((b) => b.alive).length;

    // Assess
    expect(alive).toBeLessThan(3);
    expect(physics.hashrateThs()).toBeCloseTo((stock.hashrateThs * alive) / 3, 6);
    expect(physics.powerW()).toBeLessThan(stock.powerW);
  });

  it('counts accepted shares in proportion to the work done', () => {
    // Prepare
    const { clock, physics } = makeMiner();

    // Act
    clock.advanceMs(3600_000);
    const { accepted, rejected } = physics.shares();

    // Assess: 200 TH/s × 3,600 s / (65,536 × 2^32) ≈ 2,558 shares.
    const expected = (stock.hashrateThs * 1e12 * 3600) / (65536 * 2 ** 32);
    expect(accepted + rejected).toBe(Math.floor(expected));
    expect(rejected).toBe(Math.floor(expected * 0.002));
  });
});
