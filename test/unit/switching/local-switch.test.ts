import type { SwitchLogEntry } from '../../../core/api/operations.js';
import { switchOutcome } from '../../../core/operations/switches.js';
import { recordLocalSwitch } from '../../../functions/switching/local-switch.js';

const event = {
  type: 'local-switch',
  siteId: 'site-west-1',
  at: '2026-07-01T15:00:00.000Z',
  cause: 'grid:price',
  latencyMs: 41.5,
  devices: { sent: 3, accepted: 2, ids: ['a', 'b', 'c'] },
};

describe('recordLocalSwitch', () => {
  it("appends a gateway's switch to its site's history as a local switch", async () => {
    // Prepare
    const entries: SwitchLogEntry[] = [];
    // Act
    const result = await recordLocalSwitch(event, { switchLog: { append: async (e) => void entries.push(e) } });
    // Assess
    expect(result).toBe('recorded');
    expect(entries).toEqual([
      {
        siteId: 'site-west-1',
        at: event.at,
        action: 'switch.local',
        actor: 'gateway:site-west-1',
        source: 'local',
        cause: 'grid:price',
        latencyMs: 41.5,
        devices: event.devices,
      },
    ]);
    expect(switchOutcome(entries[0]!)).toBe('failed'); // one device of three did not accept
  });

  it('ignores the other events of the topic and names the field of a malformed local switch', async () => {
    // Prepare
    const entries: SwitchLogEntry[] = [];
    const deps = { switchLog: { append: async (e: SwitchLogEntry) => void entries.push(e) } };
    // Act + Assess
    await expect(recordLocalSwitch({ type: 'power-control' }, deps)).resolves.toBe('ignored');
    await expect(recordLocalSwitch({ ...event, latencyMs: -1 }, deps)).rejects.toThrow('latencyMs');
    expect(entries).toEqual([]);
  });
});
