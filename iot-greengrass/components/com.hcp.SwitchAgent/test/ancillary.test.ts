import type { Award } from '../../../../core/ancillary/awards.js';
import { ANCILLARY_RULES } from '../../../../core/ancillary/products.js';
import type { GridSignal } from '../../../../core/messages/grid-signal.js';
import { siteSchema } from '../../../../core/model/site.js';
import type { GatewayDevice } from '../../../adapters/device-port.js';
import { Ancillary } from '../src/ancillary.js';
import { type AncillaryState, noAncillary } from '../src/ancillary-state.js';
import { CurtailmentBook } from '../src/curtailment-book.js';
import { memoryFrom, stateOf } from '../src/persistence.js';
import { agentStateSchema } from '../src/state-store.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const HOUR_MS = 3_600_000;
/** A site-west-1 like site: S21s on the under-frequency relay, S19 XPs not; the registry's set-point at 59.8 Hz. */
const group = (id: string, model: string, frequencyTrip: boolean, powerW: number, hashrateThs: number) => ({
  id,
  model,
  unitCount: 3000,
  nominalHashrateThs: hashrateThs,
  nominalPowerW: powerW,
  powerCurve: [{ powerW, hashrateThs }],
  sleepPowerW: 20,
  wakeSeconds: 60,
  sleepSeconds: 30,
  minOnMinutes: 15,
  minOffMinutes: 10,
  frequencyTrip,
});
const SITE = siteSchema.parse({
  id: 'site-west-1',
  name: 'West',
  market: 'ERCOT',
  marketNode: 'HB_WEST',
  interconnectLimitMw: 40,
  pue: 1.1,
  timeZone: 'America/Chicago',
  asicGroups: [
    group('west-s21-a', 'antminer-s21', true, 3500, 200),
    group('west-s19xp-a', 'antminer-s19-xp', false, 3010, 140),
  ],
  gpuPools: [],
  ancillary: { qualifications: [], ufrTripHz: 59.8 },
});
const devices: GatewayDevice[] = SITE.asicGroups.flatMap((g) =>
  Array.from({ length: 10 }, (_, i) => ({
    id: `${g.id}-${String(i).padStart(2, '0')}`,
    kind: 'asic' as const,
    groupId: g.id,
    address: '127.0.0.1',
    port: 4028 + i,
  })),
) as unknown as GatewayDevice[];
const everyDevice = new Set(devices.map((d) => d.id));

const award = (product: Award['product'], awardedMw: number): Award => ({
  siteId: SITE.id,
  product,
  intervalStartMs: T0,
  intervalEndMs: T0 + HOUR_MS,
  awardedMw,
  clearingPriceUsdPerMwh: 10,
});
const at = new Date(T0 + 60_000).toISOString();
const signal = (s: Record<string, unknown>) => ({ at, node: SITE.marketNode, ...s }) as GridSignal;
const options = { restoreHz: 59.9, limitPath: false };

function armed(awards: Award[]): { ancillary: Ancillary; state: AncillaryState } {
  const ancillary = new Ancillary(SITE, devices);
  const state = { ...noAncillary(), armed: ancillary.arm(awards, [], () => everyDevice) };
  return { ancillary, state };
}

describe('ancillary awards on the gateway', () => {
  it('arms RRS-UFR on the relay’s trip group only, and ECRS on other devices, least efficient group first', () => {
    const { state } = armed([award('ECRS', 20), award('RRS-UFR', 20)]);
    const [ufr, ecrs] = state.armed;
    expect(ufr!.award.product).toBe('RRS-UFR');
    expect(new Set(ufr!.devices.map((d) => d.replace(/-\d+$/, '')))).toEqual(new Set(['west-s21-a']));
    expect(ecrs!.devices.every((d) => !ufr!.devices.includes(d))).toBe(true);
    expect(ecrs!.devices[0]).toMatch(/^west-s19xp-a-09$/); // highest id first: the plan keeps the first ids running
  });

  it('trips exactly the armed devices below the registry’s set-point, not at 59.85 Hz, and releases on recovery', () => {
    // Prepare
    const { ancillary, state } = armed([award('RRS-UFR', 20)]);
    const armedDevices = state.armed[0]!.devices;

    // Act
    const above = ancillary.react(signal({ kind: 'frequency', frequencyHz: 59.85 }), state, T0 + 60_000, options);
    ancillary.react(signal({ kind: 'frequency', frequencyHz: 59.79 }), state, T0 + 60_700, options);
    // Below the set-point for the relay's default 20 cycles (333 ms): it trips.
    const below = ancillary.react(signal({ kind: 'frequency', frequencyHz: 59.79 }), state, T0 + 61_034, options);
    const between = ancillary.react(signal({ kind: 'frequency', frequencyHz: 59.85 }), state, T0 + 62_000, options);
    const tripped = [...state.tripped];
    const recovered = ancillary.react(signal({ kind: 'frequency', frequencyHz: 60 }), state, T0 + 63_000, options);

    // Assess
    expect(above!.change).toEqual({ reason: 'frequency' });
    expect(below!.change).toEqual({ reason: 'frequency', holdDevices: armedDevices });
    expect(below!.event).toMatchObject({ action: 'tripped', product: 'RRS-UFR', devices: armedDevices });
    expect(between!.change).toEqual({ reason: 'frequency' });
    expect(tripped).toEqual(armedDevices);
    expect(recovered!.change).toEqual({ reason: 'frequency', release: 'all' });
    expect(state.tripped).toEqual([]);
  });

  describe('the relay’s delay (the registry’s ufrDelayCycles)', () => {
    const DELAYED = { ...SITE, ancillary: { ...SITE.ancillary!, ufrDelayCycles: 30 } };
    const relayArmed = () => {
      const ancillary = new Ancillary(DELAYED, devices);
      return {
        ancillary,
        state: { ...noAncillary(), armed: ancillary.arm([award('RRS-UFR', 20)], [], () => everyDevice) },
      };
    };
    const frequency = (frequencyHz: number) => signal({ kind: 'frequency', frequencyHz });

    it('trips nothing on a dip shorter than the delay (30 cycles: 500 ms)', () => {
      // Prepare
      const { ancillary, state } = relayArmed();

      // Act: 499 ms below, then back above the set-point.
      const first = ancillary.react(frequency(59.6), state, T0, options);
      const late = ancillary.react(frequency(59.6), state, T0 + 499, options);
      const back = ancillary.react(frequency(59.85), state, T0 + 499, options);
      const afterwards = ancillary.relay(state, T0 + 2_000);

      // Assess
      expect(first).toEqual({ change: { reason: 'frequency' }, tripDueAtMs: T0 + 500 });
      expect(late).toEqual({ change: { reason: 'frequency' }, tripDueAtMs: T0 + 500 });
      expect(back!.change).toEqual({ reason: 'frequency' });
      expect(afterwards).toBeUndefined();
      expect(state.tripped).toEqual([]);
    });

    it('trips the armed devices once frequency has stayed below for the delay, with no new reading needed', () => {
      // Prepare
      const { ancillary, state } = relayArmed();
      const armedDevices = state.armed[0]!.devices;
      ancillary.react(frequency(59.6), state, T0, options);

      // Act: the agent's timer (or tick) looks again when the delay runs out.
      const early = ancillary.relay(state, T0 + 499);
      const due = ancillary.relay(state, T0 + 500);
      const again = ancillary.react(frequency(59.6), state, T0 + 600, options);

      // Assess: tripped at 500 ms, once.
      expect(early?.event).toBeUndefined();
      expect(due!.change).toEqual({ reason: 'frequency', holdDevices: armedDevices });
      expect(due!.event).toMatchObject({
        action: 'tripped',
        devices: armedDevices,
        detail: 'below 59.8 Hz for 500 ms',
      });
      expect(again).toEqual({ change: { reason: 'frequency' } });
      expect(state.tripped).toEqual(armedDevices);
    });

    it('restarts the delay after a recovery: two short dips never add up', () => {
      // Prepare
      const { ancillary, state } = relayArmed();

      // Act
      ancillary.react(frequency(59.6), state, T0, options);
      ancillary.react(frequency(59.9), state, T0 + 300, options);
      ancillary.react(frequency(59.6), state, T0 + 400, options);
      const at600 = ancillary.relay(state, T0 + 600);
      const at900 = ancillary.relay(state, T0 + 900);

      // Assess
      expect(at600?.event).toBeUndefined();
      expect(at900?.event?.action).toBe('tripped');
    });
  });

  it('arms an award on the groups of its ERCOT resource only', () => {
    // Prepare: ECRS would go to the less efficient S19 XPs first; its resource stands for the S21s.
    const onS21 = { ...award('ECRS', 20), resource: 'HCP_WEST_S21', groupIds: ['west-s21-a'] };

    // Act
    const { state } = armed([onS21]);

    // Assess
    expect(state.armed[0]!.devices.length).toBeGreaterThan(0);
    expect(state.armed[0]!.devices.every((d) => d.startsWith('west-s21-a-'))).toBe(true);
  });

  it('leaves a frequency signal to the old reaction when no RRS-UFR award is in force', () => {
    const { ancillary, state } = armed([award('RRS-UFR', 20)]);
    const later = T0 + 2 * HOUR_MS;
    expect(ancillary.react(signal({ kind: 'frequency', frequencyHz: 59.5 }), state, later, options)).toBeUndefined();
  });

  it('deploys at most the award in force, on its armed devices; without a meter it holds them, a recall releases', () => {
    // Prepare
    const { ancillary, state } = armed([award('ECRS', 20)]);
    const deploy = signal({ kind: 'demand-response', eventId: 'e1', action: 'deploy', product: 'ECRS', deployMw: 50 });

    // Act
    const deployed = ancillary.react(deploy, state, T0 + 60_000, options)!;
    const recall = signal({ kind: 'demand-response', eventId: 'e1', action: 'recall', product: 'ECRS' });
    const recalled = ancillary.react(recall, { ...state }, T0 + 120_000, options)!;

    // Assess: 50 MW asked, 20 MW awarded: 20 MW deployed.
    expect(deployed.event).toMatchObject({ action: 'deployed', deployMw: 20 });
    expect(deployed.change).toEqual({ reason: 'demand-response', holdDevices: state.armed[0]!.devices });
    expect(recalled.change).toEqual({ reason: 'demand-response', release: 'all' });
    expect(recalled.event).toMatchObject({ action: 'recalled', product: 'ECRS' });
  });

  it('with a meter, a deployment is the controller’s limit with the armed devices first', () => {
    const { ancillary, state } = armed([award('ECRS', 20)]);
    const deploy = signal({ kind: 'demand-response', eventId: 'e1', action: 'deploy', product: 'ECRS', deployMw: 5 });
    const reaction = ancillary.react(deploy, state, T0 + 60_000, { ...options, limitPath: true })!;
    expect(reaction.limit).toMatchObject({ action: 'deploy', deployMw: 5 });
    expect(reaction.change).toEqual({ reason: 'demand-response' });
    const order = ancillary.order(state, T0 + 60_000);
    expect(order.deployed).toEqual(state.deployment!.devices);
    expect(order.deployed.length).toBeLessThan(state.armed[0]!.devices.length);
    expect([...order.standing].some((d) => order.deployed.includes(d))).toBe(false);
  });

  it('refuses a deployment of a product with no award in force, and names why', () => {
    const { ancillary, state } = armed([award('ECRS', 20)]);
    const deploy = signal({ kind: 'demand-response', eventId: 'e2', action: 'deploy', product: 'NSPIN' });
    const reaction = ancillary.react(deploy, state, T0 + 60_000, options)!;
    expect(reaction.event).toMatchObject({ action: 'deploy-refused', product: 'NSPIN', detail: 'no award' });
    expect(state.deployment).toBeUndefined();
  });
});

describe('a deployment sustained for the product’s minimum duration (NP 3.18, NPRR1096)', () => {
  it('holds a Non-Spin deployment past its award’s hour for the 4-hour minimum, through price releases, until recalled', () => {
    // Prepare: an hourly Non-Spin award deployed a minute before its hour ends, on the holds path (no meter).
    const { ancillary, state } = armed([award('NSPIN', 20)]);
    const book = new CurtailmentBook({ minCurtailedMs: 0, restoreBatchSize: 100, restoreBatchIntervalMs: 0 });
    const byGroup = new Map(
      SITE.asicGroups.map((g) => [g.id, devices.filter((d) => d.groupId === g.id).map((d) => d.id)]),
    );
    const deployAtMs = T0 + HOUR_MS - 60_000;
    const deploy = signal({ kind: 'demand-response', eventId: 'n1', action: 'deploy', product: 'NSPIN' });
    const deployed = ancillary.react(deploy, state, deployAtMs, options)!;
    book.change(deployed.change, deployAtMs, byGroup);
    const deployedDevices = state.deployment!.devices;
    const sustainUntilMs = deployAtMs + ANCILLARY_RULES.NSPIN.minimumDurationHours * HOUR_MS;

    // Act: every 5 minutes to the end of the minimum duration, the grid at 60 Hz and the price low enough to release
    // every price hold (what would bring the miners back if anything could).
    const stillHeld: boolean[] = [];
    for (let atMs = deployAtMs; atMs <= sustainUntilMs; atMs += 300_000) {
      ancillary.react(signal({ kind: 'frequency', frequencyHz: 60 }), state, atMs, options);
      book.change({ reason: 'price', release: 'all' }, atMs, byGroup);
      book.step(atMs, byGroup, ancillary.standing(state, atMs));
      const held = book.heldDevices(byGroup, ancillary.standing(state, atMs));
      stillHeld.push(deployedDevices.every((id) => held.has(id)));
    }
    const recall = signal({ kind: 'demand-response', eventId: 'n1', action: 'recall', product: 'NSPIN' });
    const recalled = ancillary.react(recall, state, sustainUntilMs + 1, options)!;
    book.change(recalled.change, sustainUntilMs + 1, byGroup);
    book.step(sustainUntilMs + 1, byGroup);

    // Assess: down for the whole duration (49 looks, 4 h), the award's hour long over; back only on the recall.
    expect(deployedDevices.length).toBeGreaterThan(0);
    expect(stillHeld).toHaveLength(49);
    expect(stillHeld.every(Boolean)).toBe(true);
    expect(recalled.event).toMatchObject({ action: 'recalled', product: 'NSPIN' });
    expect([...book.heldDevices(byGroup)]).toEqual([]);
  });
});

describe('curtailment book with awards', () => {
  const byGroup = new Map([['g', ['g1', 'g2', 'g3']]]);
  const policy = { minCurtailedMs: 0, restoreBatchSize: 10, restoreBatchIntervalMs: 0 };

  it('keeps a standing award’s devices on through a price hold, not through a demand-response hold', () => {
    const book = new CurtailmentBook(policy);
    const kept = new Set(['g3']);
    book.change({ reason: 'price', hold: ['g'] }, 0, byGroup);
    expect([...book.heldDevices(byGroup, kept)].sort()).toEqual(['g1', 'g2']);
    book.change({ reason: 'demand-response', hold: ['g'] }, 0, byGroup);
    expect([...book.heldDevices(byGroup, kept)].sort()).toEqual(['g1', 'g2', 'g3']);
  });

  it('holds single devices for a trip, whatever is kept, and restores them through the queue', () => {
    const book = new CurtailmentBook({ ...policy, minCurtailedMs: 1000 });
    book.change({ reason: 'frequency', holdDevices: ['g2'] }, 0, byGroup);
    expect([...book.heldDevices(byGroup, new Set(['g2']))]).toEqual(['g2']);
    expect(book.heldGroups()).toEqual([]);
    expect(book.heldSingleDevices()).toEqual(['g2']);
    book.change({ reason: 'frequency', release: 'all' }, 500, byGroup);
    book.step(500, byGroup);
    expect([...book.heldDevices(byGroup)]).toEqual(['g2']); // its minimum time is not over
    book.step(1000, byGroup);
    expect([...book.heldDevices(byGroup)]).toEqual([]);
  });

  it('does not queue a kept device when its group’s price hold ends: it never went off', () => {
    const book = new CurtailmentBook({ ...policy, restoreBatchSize: 1, restoreBatchIntervalMs: 10_000 });
    book.change({ reason: 'price', hold: ['g'] }, 0, byGroup);
    book.change({ reason: 'price', release: 'all' }, 1, byGroup);
    book.step(1, byGroup, new Set(['g3']));
    expect([...book.heldDevices(byGroup, new Set(['g3']))].sort()).toEqual(['g2']);
  });
});

describe('armed awards across a restart', () => {
  it('keeps the armed awards, the deployment and the trips in the state file', () => {
    // Prepare
    const { ancillary, state } = armed([award('ECRS', 20), award('RRS-UFR', 20)]);
    ancillary.react(
      signal({ kind: 'demand-response', eventId: 'e1', action: 'deploy', product: 'ECRS' }),
      state,
      T0 + 60_000,
      options,
    );
    const policy = { minCurtailedMs: 0, restoreBatchSize: 10, restoreBatchIntervalMs: 0 };
    const memory = memoryFrom(undefined, policy, T0);
    memory.ancillary = state;

    // Act
    const saved = agentStateSchema.parse(JSON.parse(JSON.stringify(stateOf(memory))));
    const restored = memoryFrom(saved, policy, T0 + 120_000);

    // Assess
    expect(restored.ancillary).toEqual(state);
    expect(memoryFrom(undefined, policy, T0).ancillary).toEqual(noAncillary());
  });
});
