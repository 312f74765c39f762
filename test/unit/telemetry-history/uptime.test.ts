import fc from 'fast-check';
import { gatewayUptime } from '../../../core/telemetry-history/uptime.js';
import { simulatedHeartbeatPeriodMs } from '../../../sim/platform/start/telemetry-history.js';

const PERIOD_MS = 30_000;
const W = { fromMs: 0, toMs: 3_600_000, stepMs: 600_000, scenario: 'live' };

describe('gateway uptime (heard over expected heartbeat slots, from each site’s first heartbeat)', () => {
  it('leaves out the time before a site was first heard, and no bucket before any was', () => {
    // Act: heard from minute 30 on, in every slot.
    const { buckets, window } = gatewayUptime(
      [
        { site: 's', bucketMs: 1_800_000, heardSlots: 20, firstSlotMs: 1_800_000 },
        { site: 's', bucketMs: 2_400_000, heardSlots: 20, firstSlotMs: 1_800_000 },
        { site: 's', bucketMs: 3_000_000, heardSlots: 20, firstSlotMs: 1_800_000 },
      ],
      W,
      PERIOD_MS,
    );

    // Assess
    expect([...buckets.keys()]).toEqual([1_800_000, 2_400_000, 3_000_000]);
    expect(window).toEqual({ heardSlots: 60, expectedSlots: 60, uptime: 1 });
  });

  it('gives a window figure that is always its buckets’ expected-weighted mean, each in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            site: fc.constantFrom('a', 'b', 'c'),
            bucket: fc.integer({ min: 0, max: 5 }),
            heardSlots: fc.integer({ min: 0, max: 25 }),
          }),
          { minLength: 1 },
        ),
        (beats) => {
          // Prepare: each site's first slot at the start of its earliest bucket heard.
          const first = new Map<string, number>();
          for (const b of beats) first.set(b.site, Math.min(first.get(b.site) ?? Infinity, b.bucket * W.stepMs));
          const rows = beats.map((b) => ({
            site: b.site,
            bucketMs: b.bucket * W.stepMs,
            heardSlots: b.heardSlots,
            firstSlotMs: first.get(b.site)!,
          }));

          // Act
          const { buckets, window } = gatewayUptime(rows, W, PERIOD_MS);

          // Assess
          const figures = [...buckets.values()];
          for (const f of figures) expect(f.uptime).toBeGreaterThanOrEqual(0);
          for (const f of figures) expect(f.uptime).toBeLessThanOrEqual(1);
          const heard = figures.reduce((s, f) => s + f.heardSlots, 0);
          const expected = figures.reduce((s, f) => s + f.expectedSlots, 0);
          expect(window?.uptime).toBeCloseTo(heard / expected, 10);
        },
      ),
    );
  });
});

describe('the simulated gateways’ heartbeat period (the local platform’s uptime slot)', () => {
  it('is the status period at real speed, and one SwitchAgent tick of simulated time when that is longer', () => {
    // Assess: the SwitchAgent's defaults, 30 s status and a 250 ms tick.
    expect(simulatedHeartbeatPeriodMs(1)).toBe(30_000);
    expect(simulatedHeartbeatPeriodMs(240)).toBe(60_000);
  });
});
