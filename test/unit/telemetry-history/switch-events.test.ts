import type { FleetEventRecord } from '../../../core/telemetry-history/records.js';
import { ackSwitchEvent, localSwitchEvent } from '../../../core/telemetry-history/switch-events.js';
import { recordSwitchEvent } from '../../../functions/telemetry/switch-events.js';
import { validAck } from '../../support/fixtures.js';

const localSwitch = {
  type: 'local-switch' as const,
  siteId: 'site-west-1',
  at: '2025-01-15T12:00:00.000Z',
  cause: 'grid:price',
  latencyMs: 42,
  devices: { sent: 4, accepted: 3, ids: ['a1'] },
};

describe('switch rows of fleet_events from gateway messages', () => {
  it('makes an executed ack a gateway-ack switch at its execution, with the gateway’s execution time', () => {
    // Act
    const row = ackSwitchEvent(validAck());

    // Assess
    expect(row).toEqual({
      site: 'site-north-1',
      day: '2025-01-15',
      scenario: 'live',
      at_ms: Date.parse('2025-01-15T12:00:00.060Z'),
      kind: 'switch',
      source: 'gateway-ack',
      latency_ms: 50,
      ok: true,
    });
  });

  it('marks a refused command and a partly accepted local switch as not ok', () => {
    // Prepare
    const refused = { ...validAck(), status: 'rejected' as const, reason: 'stale-seq' as const };

    // Assess
    expect(ackSwitchEvent(refused)).toMatchObject({ ok: false, at_ms: Date.parse('2025-01-15T12:00:00.060Z') });
    expect(localSwitchEvent(localSwitch)).toMatchObject({ source: 'local', latency_ms: 42, ok: false });
  });

  it('refuses a message that breaks its contract, naming the field', async () => {
    // Prepare
    const events = { put: async (_rows: readonly FleetEventRecord[]) => {} };

    // Assess
    await expect(recordSwitchEvent({ ...localSwitch, latencyMs: -1 }, { events })).rejects.toThrow(
      /local-switch event: latencyMs/,
    );
    await expect(recordSwitchEvent({ ...validAck(), status: 'done' }, { events })).rejects.toThrow(/ack: status/);
  });
});
