import { seededRng } from '../../../core/support/random.js';
import {
  commandValidityMs,
  leaseDecision,
  PLAN_SAVE_WITHIN_MS,
  planFenceRefusal,
  type SiteLease,
  streamConsumersWanted,
} from '../../../core/switching/lease.js';
import { LambdaStreamConsumers } from '../../../functions/regions/adapters/lambda-stream-consumers.js';
import { keepLeases } from '../../../functions/regions/keep-leases.js';

const timing = { ttlMs: 180_000, skewMarginMs: 5_000 };
const held: SiteLease = { siteId: 's', holder: 'us-east-2', epoch: 4, expiresAtMs: 1_000_000, lastSeq: 17 };

describe('site lease rules', () => {
  it('creates the first lease at epoch 1 with no command drawn yet', () => {
    expect(leaseDecision('s', undefined, 'us-east-2', 0, timing)).toEqual({
      kind: 'take',
      lease: { siteId: 's', holder: 'us-east-2', epoch: 1, expiresAtMs: 180_000, lastSeq: 0 },
    });
  });

  it('renews the holder’s running lease under the same epoch', () => {
    expect(leaseDecision('s', held, 'us-east-2', 999_999, timing)).toEqual({
      kind: 'renew',
      lease: { ...held, expiresAtMs: 999_999 + 180_000 },
    });
  });

  it('makes the standby wait until the lease expired plus the skew margin, then take it under a new epoch', () => {
    expect(leaseDecision('s', held, 'us-west-2', 1_004_999, timing)).toEqual({
      kind: 'wait',
      holder: 'us-east-2',
      freeAtMs: 1_005_000,
    });
    expect(leaseDecision('s', held, 'us-west-2', 1_005_000, timing)).toEqual({
      kind: 'take',
      lease: { ...held, holder: 'us-west-2', epoch: 5, expiresAtMs: 1_185_000 },
    });
  });

  it('gives a holder whose lease lapsed a fresh epoch too (its old commands have expired)', () => {
    expect(leaseDecision('s', held, 'us-east-2', 1_000_000, timing)).toMatchObject({
      kind: 'take',
      lease: { epoch: 5 },
    });
  });

  it('cuts a command’s validity at the lease’s expiry, and refuses one to a region without the lease', () => {
    expect(commandValidityMs(held, 'us-east-2', 900_000, 90_000)).toBe(90_000);
    expect(commandValidityMs(held, 'us-east-2', 950_000, 90_000)).toBe(50_000);
    expect(commandValidityMs(held, 'us-east-2', 1_000_000, 90_000)).toBeUndefined();
    expect(commandValidityMs(held, 'us-west-2', 900_000, 90_000)).toBeUndefined();
    expect(commandValidityMs(undefined, 'us-east-2', 900_000, 90_000)).toBeUndefined();
  });

  it('never lets two regions hold an unexpired lease at once, whatever the order of their reads (seeded walk)', () => {
    // Prepare: two regions whose clocks differ by up to 4 s (inside the 5 s margin), keeping one lease in turn
    let lease: SiteLease | undefined;
    const skews = { a: 2_000, b: -2_000 };
    let trueMs = 0;
    const rng = seededRng(7);
    const next = () => rng.next();
    const overlaps: number[] = [];
    // Act: random turns; a region that misses turns (a partition) lets its lease lapse
    for (let step = 0; step < 5_000; step++) {
      trueMs += Math.floor(next() * 40_000);
      const region = next() < 0.5 ? 'a' : 'b';
      if (next() < 0.3) continue;
      const decision = leaseDecision('s', lease, region, trueMs + skews[region], timing);
      if (decision.kind === 'wait') continue;
      // Assess: a take never starts while the other region's lease still runs on the true clock
      if (
        decision.kind === 'take' &&
        lease &&
        lease.holder !== region &&
        trueMs < lease.expiresAtMs - skews[lease.holder as 'a']
      ) {
        overlaps.push(trueMs);
      }
      lease = decision.lease;
    }
    expect(overlaps).toEqual([]);
    expect(lease?.epoch).toBeGreaterThan(10);
  });
});

describe('plan fencing', () => {
  it('lets the holder save a plan solved under its running epoch, and refuses every other case by name', () => {
    const lastSafeMs = held.expiresAtMs - PLAN_SAVE_WITHIN_MS - 1;
    expect(planFenceRefusal(held, 'us-east-2', 4, lastSafeMs)).toBeUndefined();
    expect(planFenceRefusal(held, 'us-east-2', 4, lastSafeMs + 1)).toBe('expired');
    expect(planFenceRefusal(held, 'us-east-2', 3, 0)).toBe('epoch-changed');
    expect(planFenceRefusal(held, 'us-west-2', 4, 0)).toBe('not-held');
    expect(planFenceRefusal(undefined, 'us-east-2', 4, 0)).toBe('not-held');
  });
});

describe('lease keeper', () => {
  it('renews, takes and waits per site; only the primary may create a lease', async () => {
    const asked: Array<{ siteId: string; mayCreate: boolean }> = [];
    const ports = {
      siteIds: async () => ['a', 'b', 'c'],
      keep: async (siteId: string, options: { mayCreate: boolean }) => {
        asked.push({ siteId, mayCreate: options.mayCreate });
        if (siteId === 'a') return { kind: 'renew' as const, lease: held };
        if (siteId === 'b') return { kind: 'take' as const, lease: held };
        return { kind: 'wait' as const, holder: 'us-east-2', freeAtMs: 0 };
      },
    };
    await expect(keepLeases(ports, false)).resolves.toEqual({ renewed: 1, taken: ['b'], waiting: 1 });
    expect(asked.every((a) => a.mayCreate === false)).toBe(true);
    await keepLeases(ports, true);
    expect(asked.at(-1)).toEqual({ siteId: 'c', mayCreate: true });
  });
});

describe('stream consumers follow the leases', () => {
  it('wants them on while the region holds a lease, off once another holds every site, unchanged with no site', () => {
    expect(streamConsumersWanted(1, 3)).toBe(true);
    expect(streamConsumersWanted(0, 2)).toBe(false);
    expect(streamConsumersWanted(0, 0)).toBeUndefined();
  });

  it('switches them on in the run that takes a lease, and off when the region holds none', async () => {
    // Prepare
    const asked: boolean[] = [];
    const ports = (decision: 'take' | 'wait') => ({
      siteIds: async () => ['a'],
      keep: async () =>
        decision === 'take'
          ? { kind: 'take' as const, lease: held }
          : { kind: 'wait' as const, holder: 'us-east-2', freeAtMs: 0 },
      streamConsumers: {
        setEnabled: async (enabled: boolean) => {
          asked.push(enabled);
          return 2;
        },
      },
    });

    // Act
    const took = await keepLeases(ports('take'), false);
    const waited = await keepLeases(ports('wait'), false);

    // Assess
    expect(asked).toEqual([true, false]);
    expect(took.streamConsumers).toEqual({ enabled: true, changed: 2 });
    expect(waited.streamConsumers).toEqual({ enabled: false, changed: 2 });
  });

  it('updates only the mappings not already in the wanted state, by UUID', async () => {
    // Prepare
    const states: Record<string, string> = { m1: 'Disabled', m2: 'Enabled', m3: 'Disabling' };
    const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return { State: states[command.input.UUID as string] };
      },
    };
    const consumers = new LambdaStreamConsumers(client as never, ['m1', 'm2', 'm3']);

    // Act
    const changed = await consumers.setEnabled(true);

    // Assess
    expect(changed).toBe(2);
    expect(sent.filter((c) => c.name === 'UpdateEventSourceMappingCommand').map((c) => c.input)).toEqual([
      { UUID: 'm1', Enabled: true },
      { UUID: 'm3', Enabled: true },
    ]);
  });
});
