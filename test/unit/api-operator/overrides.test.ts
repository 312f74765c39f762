import { activeOverride, type OverrideRecord, overrideStatusAt } from '../../../core/operations/overrides.js';

const expiresAt = '2026-11-28T13:00:00.000Z';
const record: OverrideRecord = {
  siteId: 'site-west-1',
  override: { kind: 'set-mode', mode: 'all-off', reason: 'transformer maintenance', expiresAt },
  requestedBy: 'operator-1',
  requestedAt: '2026-11-28T12:00:00.000Z',
  executionName: 'override-site-west-1-1',
};
const at = (iso: string) => Date.parse(iso);

describe('override status', () => {
  it('holds until the expiry and is over at the expiry instant', () => {
    // Act / Assess
    expect(overrideStatusAt(record, at('2026-11-28T12:59:59.999Z'))).toBe('active');
    expect(overrideStatusAt(record, at(expiresAt))).toBe('expired');
    expect(activeOverride(record, at('2026-11-28T12:30:00Z'))).toBe(record);
    expect(activeOverride(record, at('2026-11-28T14:00:00Z'))).toBeUndefined();
  });

  it('is cancelled from its cancellation on, even before its expiry', () => {
    // Prepare
    const cancelled = { ...record, cancelledAt: '2026-11-28T12:10:00.000Z', cancelledBy: 'operator-2' };

    // Act / Assess
    expect(overrideStatusAt(cancelled, at('2026-11-28T12:30:00Z'))).toBe('cancelled');
    expect(activeOverride(cancelled, at('2026-11-28T12:30:00Z'))).toBeUndefined();
  });

  it('has no active override where none was recorded', () => {
    // Act / Assess
    expect(activeOverride(undefined, at('2026-11-28T12:30:00Z'))).toBeUndefined();
  });
});
