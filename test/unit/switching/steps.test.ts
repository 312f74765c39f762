import type { Command } from '../../../core/messages/command.js';
import type { Plan } from '../../../core/model/plan.js';
import { ManualClock } from '../../../core/support/clock.js';
import type { PlanStore } from '../../../functions/shared/data/plan-store.js';
import type { SiteLockStore } from '../../../functions/shared/data/site-lock.js';
import type { SiteSwitchState } from '../../../functions/shared/data/switch-state-store.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import type { SwitchAuditEntry } from '../../../functions/switching/ports.js';
import { createSwitchSteps } from '../../../functions/switching/steps.js';
import { planFor } from './plan-fixture.js';

const T0 = Date.parse('2026-11-28T12:00:00Z');

function memorySteps(plans: Plan[] = []) {
  const clock = new ManualClock(T0);
  const locks = new Map<string, string>();
  const states = new Map<string, SiteSwitchState>();
  const seqs = new Map<string, number>();
  const published: Command[] = [];
  /** Executions whose override an operator cancelled: their claim fails, as the conditional write would. */
  const cancelledOverrides = new Set<string>();
  const audit: SwitchAuditEntry[] = [];
  const failed: string[] = [];
  let ids = 0;
  const lockStore: SiteLockStore = {
    acquire: async ({ siteId, ownerId, ttlMs }) => {
      const holder = locks.get(siteId);
      if (holder && holder !== ownerId) return { ok: false, reason: 'held', heldBy: holder, expiresAtMs: T0 + ttlMs };
      locks.set(siteId, ownerId);
      return { ok: true, lock: { siteId, ownerId, acquiredAtMs: clock.nowMs(), expiresAtMs: clock.nowMs() + ttlMs } };
    },
    release: async ({ siteId, ownerId }) => {
      const holder = locks.get(siteId);
      if (!holder) return { ok: false, reason: 'not-held' };
      if (holder !== ownerId) return { ok: false, reason: 'held-by-other', heldBy: holder };
      locks.delete(siteId);
      return { ok: true };
    },
  };
  const steps = createSwitchSteps({
    locks: lockStore,
    switchStates: {
      allocateSeq: async (siteId) => {
        seqs.set(siteId, (seqs.get(siteId) ?? 0) + 1);
        return { seq: seqs.get(siteId)!, epoch: 1 };
      },
      resyncSeq: async (siteId, lastSeq) => {
        seqs.set(siteId, Math.max(seqs.get(siteId) ?? 0, lastSeq));
        return seqs.get(siteId)!;
      },
      advanceEpoch: async () => 2,
      put: async (state) => void states.set(state.siteId, state),
      get: async (siteId) => states.get(siteId),
    },
    plans: {
      loadVersion: async (v: number) => plans.find((p) => p.version === v),
      loadCurrent: async () => plans.at(-1),
    } as unknown as PlanStore,
    overrides: { claimForCommand: async (_siteId, executionName) => !cancelledOverrides.has(executionName) },
    publisher: { publish: async (command) => void published.push(command) },
    signer: LocalCommandSigner.generate('unit-test').signer,
    metrics: { switchSucceeded: () => undefined, switchFailed: (siteId) => void failed.push(siteId) },
    audit: { append: async (entry) => void audit.push(entry) },
    clock,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    lockTtlMs: 600_000,
  });
  return { steps, clock, locks, states, published, audit, failed, cancelledOverrides };
}

describe('switching steps', () => {
  it('refuses a site whose lock another execution holds, by the name the flow retries on', async () => {
    // Prepare
    const { steps } = memorySteps();
    await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'exec-1' });

    // Act
    const second = steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'exec-2' });

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'SiteLockHeld' });
  });

  it('rejects a flow input without planVersion or override as InvalidInput', async () => {
    // Prepare
    const { steps, locks } = memorySteps();

    // Act
    const run = steps.acquireLock({ request: { siteId: 'site-a' }, ownerId: 'exec-1' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(locks.size).toBe(0);
  });

  it('turns an override into its command and keeps its expiry for dispatch', async () => {
    // Prepare
    const { steps, states } = memorySteps();
    const override = { kind: 'set-mode', mode: 'all-off', reason: 'maintenance', expiresAt: '2026-11-28T14:00:00Z' };
    const state = await steps.acquireLock({
      request: { siteId: 'site-a', override, requestedBy: 'user:ops' },
      ownerId: 'e',
    });

    // Act
    const command = await steps.prepareCommand(state);

    // Assess
    expect(command).toMatchObject({ kind: 'set-mode', seq: 1, payload: { mode: 'all-off' } });
    expect(states.get('site-a')).toMatchObject({ status: 'commanded', overrideUntil: '2026-11-28T14:00:00Z' });
  });

  it('turns awards into a signed arm-ancillary command, keeping the plan version the site committed', async () => {
    // Prepare: the site committed plan version 4.
    const { steps, states } = memorySteps();
    states.set('site-a', { siteId: 'site-a', status: 'committed', executionName: 'x', updatedAt: '', planVersion: 4 });
    const { award, state } = await armEcrsAward(steps);

    // Act
    const command = await steps.prepareCommand(state);

    // Assess
    expect(command).toMatchObject({ kind: 'arm-ancillary', seq: 1, payload: { awards: [award] } });
    expect(command.signature).toEqual(expect.any(String));
    expect(states.get('site-a')).toMatchObject({ status: 'commanded', planVersion: 4, commandId: command.commandId });
  });

  it('arms awards through drain and command without dropping the override in force or the committed plan version', async () => {
    // Prepare: the site committed plan version 4, then an operator override until 14:00.
    const { steps, states } = memorySteps();
    states.set('site-a', {
      siteId: 'site-a',
      status: 'committed',
      executionName: 'x',
      updatedAt: '',
      planVersion: 4,
      overrideUntil: '2026-11-28T14:00:00Z',
    });
    const { state } = await armEcrsAward(steps);

    // Act: the flow's order
    await steps.drain(state);
    await steps.prepareCommand(state);

    // Assess: dispatch still sees the override (it must not re-plan the site) and the plan the site runs
    expect(states.get('site-a')).toMatchObject({
      status: 'commanded',
      planVersion: 4,
      overrideUntil: '2026-11-28T14:00:00Z',
    });
  });

  it('applies the current plan instead of an override cancelled before its command was prepared', async () => {
    // Prepare
    const { steps, states, cancelledOverrides } = memorySteps([planFor(3, { 'site-a': 2 }, T0)]);
    const override = { kind: 'set-mode', mode: 'all-off', reason: 'maintenance', expiresAt: '2026-11-28T14:00:00Z' };
    const state = await steps.acquireLock({
      request: { siteId: 'site-a', override, requestedBy: 'user:ops' },
      ownerId: 'override-e',
    });
    cancelledOverrides.add('override-e');

    // Act
    const command = await steps.prepareCommand(state);

    // Assess
    expect(command).toMatchObject({ kind: 'apply-plan', seq: 1 });
    expect(states.get('site-a')).toMatchObject({ status: 'commanded', planVersion: 3 });
    expect(states.get('site-a')?.overrideUntil).toBeUndefined();
  });

  it('refuses to commit an ack of another command', async () => {
    // Prepare
    const { steps } = memorySteps([planFor(1, { 'site-a': 2 }, T0)]);
    const state = await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'e' });
    const command = await steps.prepareCommand(state);

    // Act
    const run = steps.commit({
      ...state,
      command,
      ack: { commandId: '00000000-0000-4000-8000-999999999999', seq: command.seq, status: 'executed' },
    });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'AckMismatch' });
  });

  it('compensates with a newer-seq safe-mode command, records the failure and counts it', async () => {
    // Prepare
    const { steps, published, states, failed, audit } = memorySteps([planFor(1, { 'site-a': 2 }, T0)]);
    const state = await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'e' });
    const command = await steps.prepareCommand(state);

    // Act
    await steps.compensate({ ...state, command, error: { Error: 'States.Timeout', Cause: 'no ack' } });

    // Assess
    expect(published).toEqual([expect.objectContaining({ kind: 'set-mode', seq: command.seq + 1 })]);
    expect(states.get('site-a')).toMatchObject({ status: 'safe-mode', error: 'States.Timeout', cause: 'no ack' });
    expect(failed).toEqual(['site-a']);
    expect(audit).toEqual([expect.objectContaining({ action: 'switch.safe-mode', actor: 'optimizer' })]);
  });

  it('records a switch the gateway refused as rejecting, with the reason, until a later switch commits', async () => {
    // Prepare
    const { steps, states } = memorySteps([planFor(1, { 'site-a': 2 }, T0)]);
    const state = await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'e' });
    const command = await steps.prepareCommand(state);
    const cause = JSON.stringify({ status: 'rejected', reason: 'bad-signature' });

    // Act
    await steps.compensate({ ...state, command, error: { Error: 'Ack.Rejected', Cause: cause } });
    const rejecting = states.get('site-a');
    await steps.releaseLock(state);
    const next = await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'e2' });
    const retried = await steps.prepareCommand(next);
    await steps.commit({
      ...next,
      requestedBy: 'optimizer',
      command: retried,
      ack: { commandId: retried.commandId, seq: retried.seq },
    });

    // Assess
    expect(rejecting).toMatchObject({ status: 'rejecting', error: 'Ack.Rejected', cause });
    expect(states.get('site-a')).toMatchObject({ status: 'committed', seq: retried.seq });
  });

  it('resynchronises past the gateway’s lastSeq once, and compensates on a second refusal', async () => {
    // Prepare
    const { steps } = memorySteps([planFor(1, { 'site-a': 2 }, T0)]);
    const state = await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'e' });
    const refused = await steps.prepareCommand(state);
    const error = { Error: 'Ack.StaleSeq', Cause: JSON.stringify({ reason: 'stale-seq', lastSeq: 57, epoch: 1 }) };

    // Act
    const resync = await steps.resyncSequence({ ...state, command: refused, error });
    const retried = await steps.prepareCommand(state);
    const again = steps.resyncSequence({ ...state, error, resync });

    // Assess
    expect(resync).toEqual({ attempts: 1, gatewayLastSeq: 57, counter: 57 });
    expect(retried.seq).toBe(58);
    await expect(again).rejects.toMatchObject({ name: 'ResyncExhausted' });
  });

  it('releases only its own lock, and a second release is not an error', async () => {
    // Prepare
    const { steps, locks } = memorySteps();
    await steps.acquireLock({ request: { siteId: 'site-a', planVersion: 1 }, ownerId: 'mine' });

    // Act
    const byOther = await steps.releaseLock({ siteId: 'site-a', ownerId: 'other' });
    const byOwner = await steps.releaseLock({ siteId: 'site-a', ownerId: 'mine' });
    const again = await steps.releaseLock({ siteId: 'site-a', ownerId: 'mine' });

    // Assess
    expect(byOther).toEqual({ released: false, reason: 'held-by-other' });
    expect(byOwner).toEqual({ released: true });
    expect(again).toEqual({ released: false, reason: 'not-held' });
    expect(locks.size).toBe(0);
  });
});

/** One 2 MW ECRS award for site-a over the hour from T0, taken through the lock as the awards flow takes it. */
async function armEcrsAward(steps: ReturnType<typeof memorySteps>['steps']) {
  const award = {
    siteId: 'site-a',
    product: 'ECRS',
    intervalStartMs: T0,
    intervalEndMs: T0 + 3_600_000,
    awardedMw: 2,
    clearingPriceUsdPerMwh: 12,
  };
  const state = await steps.acquireLock({
    request: { siteId: 'site-a', arm: { awards: [award], reason: 'awards' }, requestedBy: 'ancillary-awards' },
    ownerId: 'e',
  });
  return { award, state };
}
