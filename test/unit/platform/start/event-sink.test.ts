import type { PlatformEvent } from '../../../../sim/platform/events.js';
import { describeEvent, platformEvents } from '../../../../sim/platform/start/event-sink.js';

const AT_MS = Date.parse('2025-01-13T06:00:00Z');
const cloudSwitch: PlatformEvent = {
  type: 'switch',
  atMs: AT_MS,
  siteId: 'site-west-1',
  source: 'cloud',
  cause: 'plan',
  outcome: 'failed',
  latencyMs: 420,
  detail: 'ack timeout',
};

describe('platform event lines', () => {
  it('describes dispatches, cloud switches and injections, not local switches or market ticks', () => {
    // Assess
    expect(describeEvent({ type: 'dispatch', atMs: AT_MS, status: 'SUCCEEDED', durationMs: 812 })).toBe(
      'dispatch at 2025-01-13T06:00:00.000Z: OptimizeFlow SUCCEEDED in 812 ms',
    );
    expect(describeEvent(cloudSwitch)).toBe('switch site-west-1: failed in 420 ms (ack timeout)');
    expect(
      describeEvent({
        type: 'injection',
        atMs: AT_MS,
        kind: 'price-spike',
        untilMs: AT_MS + 600_000,
        siteIds: ['site-west-1', 'site-south-1'],
        detail: '2500 $/MWh',
      }),
    ).toBe('injected price-spike (2500 $/MWh) at site-west-1, site-south-1 until 2025-01-13T06:10:00.000Z');
    expect(describeEvent({ ...cloudSwitch, source: 'local' })).toBeUndefined();
  });

  it('prints events before the observer runs and hands them to it afterwards', () => {
    // Prepare
    const lines: string[] = [];
    const observed: PlatformEvent[] = [];
    const events = platformEvents((line) => lines.push(line));

    // Act
    events.record(cloudSwitch);
    events.observeWith({ record: (event) => void observed.push(event) });
    events.record({ ...cloudSwitch, outcome: 'executed' });

    // Assess
    expect(lines).toHaveLength(2);
    expect(observed).toEqual([expect.objectContaining({ outcome: 'executed' })]);
  });
});
