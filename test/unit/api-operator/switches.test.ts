import { switchOutcome, switchRecordOf } from '../../../core/operations/switches.js';

describe('switch outcome', () => {
  it.each([
    ['a commit', { action: 'switch.commit' as const }, 'executed'],
    ['a rejected command', { action: 'switch.safe-mode' as const, error: 'Ack.Rejected' }, 'rejected'],
    ['an ack timeout', { action: 'switch.safe-mode' as const, error: 'States.Timeout' }, 'timed-out'],
    ['a heartbeat timeout', { action: 'switch.safe-mode' as const, error: 'States.HeartbeatTimeout' }, 'timed-out'],
    ['an expired command', { action: 'switch.safe-mode' as const, error: 'Ack.Expired' }, 'timed-out'],
    ['a failed Lambda', { action: 'switch.safe-mode' as const, error: 'Lambda.ServiceException' }, 'compensated'],
    ['a compensation without error', { action: 'switch.safe-mode' as const }, 'compensated'],
  ])('names %s %s', (_what, entry, outcome) => {
    // Act / Assess
    expect(switchOutcome(entry)).toBe(outcome);
  });

  it('keeps the log entry’s command id, sequence and latency beside the outcome', () => {
    // Act
    const record = switchRecordOf({
      siteId: 'site-west-1',
      at: '2026-11-28T12:00:00.000Z',
      action: 'switch.commit',
      actor: 'optimizer',
      commandId: 'c-1',
      seq: 4,
      latencyMs: 850,
    });

    // Assess
    expect(record).toMatchObject({ outcome: 'executed', commandId: 'c-1', seq: 4, latencyMs: 850 });
  });
});
