import type { Ack } from '../../../../core/messages/ack.js';
import type { Command } from '../../../../core/messages/command.js';
import type { LadderRung, Plan } from '../../../../core/model/plan.js';
import { admitCommand, applyCommand, expireCommands } from '../src/command-pipeline.js';
import { memoryFrom } from '../src/persistence.js';
import { commandMessage, NOW_MS, SITE, uuid } from './fixtures.js';

const policy = { minCurtailedMs: 0, restoreBatchSize: 10, restoreBatchIntervalMs: 0 };
const command = (seq: number, overrides: Record<string, unknown> = {}) => commandMessage(seq, uuid(seq), overrides);

const remembered = (seq: number, ack: Partial<Ack> = {}) => {
  const admitted = admitCommand(
    JSON.stringify(command(seq)),
    { lastSeq: 0, highestEpoch: 1, recent: [] },
    SITE,
    NOW_MS,
  );
  if (admitted.step.kind !== 'execute') throw new Error('expected the command to be accepted');
  const executed: Ack = {
    commandId: uuid(seq),
    siteId: SITE,
    seq,
    status: 'executed',
    reason: 'ok',
    repeated: false,
    timings: { receivedAt: new Date(NOW_MS).toISOString(), executedAt: new Date(NOW_MS).toISOString() },
    ...ack,
  };
  return { commandId: uuid(seq), fingerprint: admitted.step.fingerprint, ack: executed };
};

describe('SwitchAgent command pipeline', () => {
  it('runs a new command for this site, and counts it as hearing the cloud', () => {
    // Act
    const { heard, step } = admitCommand(
      JSON.stringify(command(5)),
      { lastSeq: 4, highestEpoch: 1, recent: [] },
      SITE,
      NOW_MS,
    );

    // Assess
    expect(heard).toBe(true);
    expect(step).toMatchObject({ kind: 'execute', command: { commandId: uuid(5), kind: 'restore' } });
  });

  it('refuses a command whose sequence number is stale, with a rejected ack naming the rule', () => {
    // Act
    const { heard, step } = admitCommand(
      JSON.stringify(command(3)),
      { lastSeq: 4, highestEpoch: 1, recent: [] },
      SITE,
      NOW_MS,
    );

    // Assess: refused, yet it proves the cloud reaches the gateway
    expect(heard).toBe(true);
    expect(step).toEqual({
      kind: 'answer',
      event: 'command-refused',
      detail: { commandId: uuid(3), seq: 3, reason: 'stale-seq' },
      ack: expect.objectContaining({
        commandId: uuid(3),
        status: 'rejected',
        reason: 'stale-seq',
        detail: 'seq 3 ≤ last accepted 4',
        repeated: false,
        timings: { receivedAt: new Date(NOW_MS).toISOString() },
      }),
    });
  });

  it('answers an expired command with an expired ack and the flow’s task token', () => {
    // Prepare
    const expired = command(7, { validUntil: new Date(NOW_MS).toISOString(), taskToken: 'token-1' });

    // Act
    const { step } = admitCommand(JSON.stringify(expired), { lastSeq: 6, highestEpoch: 1, recent: [] }, SITE, NOW_MS);

    // Assess
    expect(step.kind === 'answer' && step.ack).toMatchObject({
      status: 'expired',
      reason: 'expired',
      taskToken: 'token-1',
    });
  });

  it('answers a replay from memory, marked repeated, and never runs it again', () => {
    // Prepare
    const entry = remembered(9);

    // Act
    const { heard, step } = admitCommand(
      JSON.stringify(command(9)),
      { lastSeq: 9, highestEpoch: 1, recent: [entry] },
      SITE,
      NOW_MS,
    );

    // Assess
    expect(heard).toBe(true);
    expect(step).toEqual({
      kind: 'answer',
      event: 'command-repeated',
      detail: { commandId: uuid(9) },
      ack: { ...entry.ack, repeated: true },
    });
  });

  it('refuses a known command id sent with a different body', () => {
    // Prepare
    const entry = remembered(9);
    const forged = command(9, { payload: { reason: 'something else' } });

    // Act
    const { step } = admitCommand(
      JSON.stringify(forged),
      { lastSeq: 9, highestEpoch: 1, recent: [entry] },
      SITE,
      NOW_MS,
    );

    // Assess
    expect(step.kind === 'answer' && step.ack).toMatchObject({ status: 'rejected', reason: 'duplicate-command' });
  });

  it('acks an invalid command only when its id and sequence number can be read, and does not count it as heard', () => {
    // Act
    const readable = admitCommand(
      JSON.stringify(command(2, { kind: 'reboot' })),
      { lastSeq: 0, highestEpoch: 1, recent: [] },
      SITE,
      0,
    );
    const garbage = admitCommand('{"commandId":', { lastSeq: 0, highestEpoch: 1, recent: [] }, SITE, NOW_MS);
    const otherSite = admitCommand(
      JSON.stringify(command(2, { siteId: 'site-south-1' })),
      { lastSeq: 0, highestEpoch: 1, recent: [] },
      SITE,
      NOW_MS,
    );

    // Assess
    expect(readable.heard).toBe(false);
    expect(readable.step).toMatchObject({
      kind: 'answer',
      event: 'command-invalid',
      ack: { commandId: uuid(2), seq: 2, siteId: SITE, status: 'rejected', reason: 'invalid-schema' },
    });
    expect(garbage).toEqual({
      heard: false,
      step: { kind: 'answer', event: 'command-invalid', detail: { detail: expect.any(String) } },
    });
    expect(otherSite.step).toMatchObject({ detail: { detail: 'command for site site-south-1' } });
  });
});

describe('SwitchAgent command effects', () => {
  const ladder: LadderRung[] = [
    { groupId: 'cheap', kind: 'asic', stopAbovePriceUsdPerMwh: 40, sheddableKw: 500 },
    { groupId: 'mid', kind: 'asic', stopAbovePriceUsdPerMwh: 60, sheddableKw: 500 },
    { groupId: 'dear', kind: 'gpu', stopAbovePriceUsdPerMwh: 200, sheddableKw: 500 },
  ];
  const parse = (c: Record<string, unknown>) => c as unknown as Command;

  it('holds the cheapest rungs covering a curtail until it expires, then releases them', () => {
    // Prepare
    const memory = memoryFrom(undefined, policy, NOW_MS);
    const expiresAt = new Date(NOW_MS + 60_000).toISOString();

    // Act
    const change = applyCommand(
      memory,
      parse(command(1, { kind: 'curtail', payload: { shedKw: 600, reason: 'r', expiresAt } })),
      ladder,
    );
    const early = expireCommands(memory, NOW_MS + 59_999);
    const due = expireCommands(memory, NOW_MS + 60_000);

    // Assess
    expect(change).toEqual({ reason: 'command', hold: ['cheap', 'mid'] });
    expect(early).toEqual({ reason: 'command' });
    expect(due).toEqual({ reason: 'command', release: 'all' });
    expect(memory.commandCurtailUntilMs).toBeUndefined();
  });

  it('sets a mode override until it expires, and a restore lifts it and every command hold', () => {
    // Prepare
    const memory = memoryFrom(undefined, policy, NOW_MS);
    const expiresAt = new Date(NOW_MS + 1000).toISOString();
    applyCommand(
      memory,
      parse(command(1, { kind: 'set-mode', payload: { mode: 'all-off', reason: 'r', expiresAt } })),
      ladder,
    );
    const override = memory.modeOverride;

    // Act
    const restore = applyCommand(memory, parse(command(2)), ladder);

    // Assess
    expect(override).toEqual({ mode: 'all-off', untilMs: NOW_MS + 1000 });
    expect(memory.modeOverride).toBeUndefined();
    expect(restore).toEqual({ reason: 'command', release: 'all' });
  });

  it('drops an expired mode override on the tick', () => {
    // Prepare
    const memory = memoryFrom(undefined, policy, NOW_MS);
    memory.modeOverride = { mode: 'all-on', untilMs: NOW_MS };

    // Act
    expireCommands(memory, NOW_MS);

    // Assess
    expect(memory.modeOverride).toBeUndefined();
  });

  it('keeps the plan an apply-plan brings', () => {
    // Prepare
    const memory = memoryFrom(undefined, policy, NOW_MS);
    const plan = { version: 3 } as Plan;

    // Act
    const change = applyCommand(memory, parse(command(1, { kind: 'apply-plan', payload: { plan } })), ladder);

    // Assess
    expect(memory.plan).toBe(plan);
    expect(change).toEqual({ reason: 'command' });
  });
});
