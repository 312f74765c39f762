import type { Ack } from '../../../../core/messages/ack.js';
import { EventLog } from '../../../../sim/platform/observer/event-log.js';

const AT_MS = Date.parse('2025-01-13T06:00:00Z');
const ack = (overrides: Partial<Ack>): Ack =>
  ({
    commandId: '6f1c1f34-8d0e-4c55-9b8a-0a5b0b2c9a11',
    siteId: 'site-west-1',
    seq: 7,
    status: 'executed',
    reason: 'ok',
    timings: { receivedAt: '2025-01-13T06:00:00.000Z', executedAt: '2025-01-13T06:00:01.000Z', executionMs: 600 },
    ...overrides,
  }) as Ack;

describe('observer event log', () => {
  it('keeps at most maxEvents of each list, dropping the oldest', () => {
    // Prepare
    const log = new EventLog(2);

    // Act
    for (const durationMs of [1, 2, 3])
      log.record({ type: 'dispatch', atMs: AT_MS, status: 'SUCCEEDED', durationMs }, () => undefined);

    // Assess
    expect(log.dispatches.map((d) => d.durationMs)).toEqual([2, 3]);
  });

  it('gives a local switch the real time since its site signal, and a cloud switch its own latency', () => {
    // Prepare
    const log = new EventLog(10);
    const base = {
      type: 'switch',
      atMs: AT_MS,
      siteId: 'site-west-1',
      cause: 'grid:price',
      outcome: 'executed',
    } as const;

    // Act
    log.record({ ...base, source: 'local' }, () => 12.4);
    log.record({ ...base, source: 'cloud', latencyMs: 300 }, () => 12.4);
    log.record({ ...base, source: 'cloud' }, () => 12.4);

    // Assess
    expect(log.switches.map((s) => s.latencyMs)).toEqual([12, 300, undefined]);
  });

  it('records an executed ack with its execution time in real ms, and a non-ok reason as the outcome', () => {
    // Prepare
    const log = new EventLog(10);

    // Act
    log.recordAck(ack({}), (simMs) => simMs / 60);
    log.recordAck(ack({ reason: 'device-failure' }), (simMs) => simMs / 60);

    // Assess
    expect(log.switches).toEqual([
      {
        at: '2025-01-13T06:00:01.000Z',
        siteId: 'site-west-1',
        source: 'gateway-ack',
        cause: 'command seq 7',
        outcome: 'executed',
        latencyMs: 10,
      },
      expect.objectContaining({ outcome: 'device-failure' }),
    ]);
  });

  it('leaves out receipts and repeated acks', () => {
    // Prepare
    const log = new EventLog(10);

    // Act
    log.recordAck(ack({ status: 'received' }), (ms) => ms);
    log.recordAck(ack({ repeated: true }), (ms) => ms);

    // Assess
    expect(log.switches).toEqual([]);
  });
});
