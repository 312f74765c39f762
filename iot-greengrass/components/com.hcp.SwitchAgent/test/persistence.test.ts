import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ack } from '../../../../core/messages/ack.js';
import { MemoryFile, memoryFrom, stateOf } from '../src/persistence.js';
import type { StateFs } from '../src/state-store.js';

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
      acceptance: { lastSeq: 0, highestEpoch: 0, recent: [] },
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
    before.acceptance = { lastSeq: 9, highestEpoch: 1, recent: [{ commandId: ack.commandId, fingerprint: 'f', ack }] };
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

  it.each([
    ['zero-length', ''],
    ['truncated', JSON.stringify({ version: 1, lastSeq: 9 }).slice(0, 12)],
    ['invalid', JSON.stringify({ version: 1, lastSeq: -1 })],
  ])('starts from a %s state file empty and awaiting a resync, never from lastSeq 0', (_kind, text) => {
    // Prepare
    const file = path.join(dir, 'state.json');
    writeFileSync(file, text);
    const events: string[] = [];

    // Act
    const memory = new MemoryFile(file, (event) => void events.push(event)).load(policy, T0);

    // Assess
    expect(memory.acceptance).toEqual({
      lastSeq: 0,
      highestEpoch: 0,
      recent: [],
      awaitingResync: { refusedUpToEpoch: null },
    });
    expect(memory.plan).toBeUndefined();
    expect(events).toEqual(['state-lost']);
  });

  it('fsyncs the file before the rename and the directory after it', () => {
    // Prepare
    const calls: string[] = [];
    const fs = recordingFs(calls);
    const file = path.join(dir, 'state.json');

    // Act
    new MemoryFile(file, undefined, fs).save(memoryFrom(undefined, policy, T0));

    // Assess
    expect(calls).toEqual([
      `open ${file}.tmp`,
      'write',
      `fsync ${file}.tmp`,
      `close ${file}.tmp`,
      `rename ${file}.tmp`,
      `open ${dir}`,
      `fsync ${dir}`,
      `close ${dir}`,
    ]);
  });

  it('counts a save a full disk refuses, goes on, and writes the whole memory at the next change', () => {
    // Prepare
    const calls: string[] = [];
    let full = true;
    const fs = recordingFs(calls, () => full);
    const file = path.join(dir, 'state.json');
    const events: Array<Record<string, unknown>> = [];
    const memoryFile = new MemoryFile(file, (_e, detail) => void events.push(detail), fs);
    const memory = memoryFrom(undefined, policy, T0);

    // Act
    memoryFile.save(memory);
    full = false;
    memoryFile.save(memory);

    // Assess
    expect(memoryFile.writeFailures).toBe(1);
    expect(events).toEqual([{ code: 'ENOSPC', failures: 1 }]);
    expect(stateOf(new MemoryFile(file).load(policy, T0))).toEqual(stateOf(memory));
  });
});

/** node:fs that records the durability calls, and throws ENOSPC on write while `full()`. */
function recordingFs(calls: string[], full: () => boolean = () => false): StateFs {
  const names = new Map<number, string>();
  return {
    readFileSync: (file, encoding) => nodeFs.readFileSync(file, encoding),
    mkdirSync: (d, options) => nodeFs.mkdirSync(d, options),
    openSync: (file, flags) => {
      const fd = nodeFs.openSync(file, flags);
      names.set(fd, file);
      calls.push(`open ${file}`);
      return fd;
    },
    writeSync: (fd, text) => {
      calls.push('write');
      if (full()) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return nodeFs.writeSync(fd, text);
    },
    fsyncSync: (fd) => {
      calls.push(`fsync ${names.get(fd)}`);
      nodeFs.fsyncSync(fd);
    },
    closeSync: (fd) => {
      calls.push(`close ${names.get(fd)}`);
      nodeFs.closeSync(fd);
    },
    renameSync: (from, to) => {
      calls.push(`rename ${from}`);
      nodeFs.renameSync(from, to);
    },
  };
}
