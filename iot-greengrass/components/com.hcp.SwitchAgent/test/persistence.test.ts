import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ack } from '../../../../core/messages/ack.js';
import { MemoryFile, memoryFrom, stateOf } from '../src/persistence.js';

const T0 = Date.parse('2026-07-01T15:00:00Z');
const policy = { minCurtailedMs: 60_000, restoreBatchSize: 2, restoreBatchIntervalMs: 5_000 };
const ack: Ack = {
  commandId: '00000000-0000-4000-8000-000000000001',
  siteId: 'site-west-1',
  seq: 1,
  status: 'received',
  reason: 'ok',
  repeated: false,
  timings: { receivedAt: new Date(T0).toISOString() },
};

describe('SwitchAgent persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hcp-switch-memory-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty on first start, its start time counting as the last heartbeat', () => {
    // Act
    const memory = new MemoryFile(path.join(dir, 'state.json')).load(policy, T0);

    // Assess
    expect(memory).toMatchObject({
      acceptance: { lastSeq: 0, recent: [] },
      plan: undefined,
      modeOverride: undefined,
      lastHeartbeatMs: T0,
      pendingAcks: [],
    });
    expect(memory.book.heldGroups()).toEqual([]);
  });

  it('gives back after a restart everything the agent must not forget', () => {
    // Prepare
    const file = path.join(dir, 'nested', 'state.json');
    const before = memoryFrom(undefined, policy, T0);
    before.acceptance = { lastSeq: 9, recent: [{ commandId: ack.commandId, fingerprint: 'f', ack }] };
    before.modeOverride = { mode: 'all-off', untilMs: T0 + 1000 };
    before.commandCurtailUntilMs = T0 + 2000;
    before.pendingAcks.push(ack);
    before.book.hold('a', 'command', T0, ['a1']);
    new MemoryFile(file).save(before);

    // Act
    const after = new MemoryFile(file).load(policy, T0 + 99_000);

    // Assess
    expect(stateOf(after)).toEqual(stateOf(before));
    expect(after.lastHeartbeatMs).toBe(T0);
    expect(after.book.heldFor('command')).toEqual(['a']);
  });

  it('refuses to start from a corrupt state file rather than guess', () => {
    // Prepare
    const file = path.join(dir, 'state.json');
    writeFileSync(file, JSON.stringify({ version: 1, lastSeq: -1 }));

    // Act / Assess
    expect(() => new MemoryFile(file).load(policy, T0)).toThrow(/lastSeq/);
  });
});
