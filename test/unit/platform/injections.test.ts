import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { gridSignalSchema } from '../../../core/messages/grid-signal.js';
import type { PlatformEvent } from '../../../sim/platform/events.js';
import { inject, injectionRequestSchema, UnknownSiteError } from '../../../sim/platform/injections.js';
import { MarketFeed } from '../../../sim/platform/market-feed.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';

const START_MS = Date.parse('2025-01-13T06:00:00Z');
const sites = referenceFleet.sites.slice(0, 2);

function harness() {
  let realMs = 0;
  const clock = new SimClock(START_MS, 60, () => realMs);
  const feed = new MarketFeed(
    { name: 'none', snapshotAt: async () => Promise.reject(new Error('not read')) },
    START_MS,
    START_MS + 86_400_000,
    'none',
  );
  const published: Array<{ topic: string; signal: unknown }> = [];
  const scheduled: Array<{ atMs: number; task: () => Promise<void> | void }> = [];
  const events: PlatformEvent[] = [];
  let nudges = 0;
  const deps = {
    clock,
    feed,
    sites,
    replay: {
      nudge: () => {
        nudges += 1;
      },
      at: (atMs: number, task: () => Promise<void> | void) => void scheduled.push({ atMs, task }),
    },
    publish: async (topic: string, payload: string) =>
      void published.push({ topic, signal: gridSignalSchema.parse(JSON.parse(payload)) }),
    onEvent: (event: PlatformEvent) => void events.push(event),
  };
  return {
    deps,
    published,
    scheduled,
    events,
    nudges: () => nudges,
    advanceRealMs: (ms: number) => {
      realMs += ms;
    },
  };
}

describe('injections', () => {
  it("turns a price spike into a market override at the chosen sites' node for its window", async () => {
    // Prepare
    const h = harness();
    // Act
    const result = await inject(
      injectionRequestSchema.parse({
        kind: 'price-spike',
        priceUsdPerMwh: 2500,
        durationMinutes: 20,
        siteIds: ['site-west-1'],
      }),
      h.deps,
    );
    // Assess
    expect(result).toEqual({
      kind: 'price-spike',
      siteIds: ['site-west-1'],
      from: '2025-01-13T06:00:00.000Z',
      until: '2025-01-13T06:20:00.000Z',
    });
    expect(h.deps.feed.activeOverrides(START_MS)).toEqual([
      { fromMs: START_MS, untilMs: START_MS + 20 * 60_000, priceUsdPerMwh: 2500, nodes: ['HB_WEST'] },
    ]);
    expect(h.nudges()).toBe(1);
    expect(h.events[0]).toMatchObject({ type: 'injection', kind: 'price-spike', siteIds: ['site-west-1'] });
  });

  it("deploys demand response on every site's grid topic and recalls it when the window ends", async () => {
    const h = harness();
    await inject(injectionRequestSchema.parse({ kind: 'demand-response', durationMinutes: 10 }), h.deps);
    expect(h.published.map((p) => p.topic)).toEqual([
      'hcp/v1/sites/site-west-1/grid',
      'hcp/v1/sites/site-south-1/grid',
    ]);
    expect(h.published[0]!.signal).toMatchObject({
      kind: 'demand-response',
      action: 'deploy',
      endsAt: '2025-01-13T06:10:00.000Z',
    });
    expect(h.scheduled.map((s) => s.atMs)).toEqual([START_MS + 10 * 60_000]);
    // Act: the window ends.
    await h.scheduled[0]!.task();
    expect(h.published.slice(2).map((p) => p.signal)).toEqual([
      expect.objectContaining({ kind: 'demand-response', action: 'recall' }),
      expect.objectContaining({ kind: 'demand-response', action: 'recall' }),
    ]);
  });

  it('names the ancillary product of an ECRS deployment in the deploy and in its recall', async () => {
    const h = harness();
    await inject(
      injectionRequestSchema.parse({ kind: 'demand-response', product: 'ECRS', siteIds: ['site-west-1'] }),
      h.deps,
    );
    await h.scheduled[0]!.task();
    expect(h.published.map((p) => p.signal)).toEqual([
      expect.objectContaining({ kind: 'demand-response', action: 'deploy', product: 'ECRS' }),
      expect.objectContaining({ kind: 'demand-response', action: 'recall', product: 'ECRS' }),
    ]);
    expect(h.published[0]!.signal).not.toHaveProperty('deployMw'); // the award in force
  });

  it('trips under-frequency and restores nominal frequency after the window', async () => {
    const h = harness();
    await inject(injectionRequestSchema.parse({ kind: 'under-frequency', siteIds: ['site-south-1'] }), h.deps);
    expect(h.published[0]!.signal).toMatchObject({ kind: 'frequency', frequencyHz: 59.5, node: 'HB_SOUTH' });
    h.advanceRealMs(30_000);
    await h.scheduled[0]!.task();
    expect(h.published[1]!.signal).toMatchObject({
      kind: 'frequency',
      frequencyHz: 60,
      at: '2025-01-13T06:30:00.000Z',
    });
  });

  it('refuses an unknown site by name', async () => {
    const h = harness();
    await expect(
      inject(injectionRequestSchema.parse({ kind: 'under-frequency', siteIds: ['site-moon-1'] }), h.deps),
    ).rejects.toThrow(UnknownSiteError);
    expect(h.published).toEqual([]);
  });

  it.each([
    [{ kind: 'price-spike' }, 'priceUsdPerMwh'],
    [{ kind: 'price-spike', priceUsdPerMwh: 6000 }, 'priceUsdPerMwh'],
    [{ kind: 'under-frequency', frequencyHz: 60 }, 'frequencyHz'],
    [{ kind: 'demand-response', durationMinutes: 0 }, 'durationMinutes'],
    [{ kind: 'demand-response', colour: 'red' }, ''],
    [{ kind: 'meteor' }, 'kind'],
  ])('refuses %j', (body, field) => {
    const result = injectionRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path.join('.')).toBe(field);
  });
});
