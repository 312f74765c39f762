import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { viewFromHistory } from '../../../core/market-data/history.js';
import { ERCOT_PUBLICATION } from '../../../core/market-data/known-at.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Plan } from '../../../core/model/plan.js';
import { carriedState } from '../../../core/strategies/carried-state.js';
import { marketOutlook, refitNode } from '../../../functions/optimizer/outlook.js';
import { InMemoryForecastFitStore } from '../../../functions/shared/data/forecast-fit-store.js';
import { InMemoryMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const STEP_MS = 15 * 60_000;
const START = Date.parse('2026-11-01T06:00:00Z');
const priceAt = (i: number) => 30 + 15 * Math.sin((2 * Math.PI * i) / 96) + ((i * 7919) % 13);
const market: MarketSnapshot = marketSnapshotAt(Date.parse('2026-11-10T00:00:00Z'), { HB_WEST: 41 });

async function historyOf(days: number) {
  const history = new InMemoryMarketHistoryStore();
  await history.append(
    'HB_WEST',
    Array.from({ length: days * 96 }, (_, i) => ({ intervalStartMs: START + i * STEP_MS, rtUsdPerMwh: priceAt(i) })),
  );
  return history;
}

describe('the market history view', () => {
  it('shows a price only once published, and holds a missing interval at the price before it', () => {
    // Prepare: intervals 0..5 stored, interval 3 missing.
    const points = [0, 1, 2, 4, 5].map((i) => ({ intervalStartMs: START + i * STEP_MS, rtUsdPerMwh: 10 + i }));

    // Act: 6 minutes after interval 4 ended (published), interval 5 still running.
    const result = viewFromHistory(points, {
      stepMinutes: 15,
      publication: ERCOT_PUBLICATION,
      asOfMs: START + 5 * STEP_MS + 6 * 60_000,
      hashpriceUsdPerThDay: 0.05,
      gridEvents: [],
    });

    // Assess
    expect(result?.view.rtUsdPerMwh).toEqual([10, 11, 12, 12, 14]);
    expect(result?.gaps).toBe(1);
  });
});

describe('the deployed planner’s forecaster choice', () => {
  it('holds the snapshot price flat without history, and says so', async () => {
    // Act
    const outlook = await marketOutlook({ history: new InMemoryMarketHistoryStore() }, 'HB_WEST', market, START);

    // Assess
    expect(outlook.forecast).toMatchObject({ forecaster: 'last-settled', fallbackReason: 'no market history stored' });
    expect(outlook.forecaster.forecast(outlook.known, 3).pointUsdPerMwh).toEqual([41, 41, 41]);
  });

  it('falls back to seasonal naive with a day of history and no fit, and to the last price with less', async () => {
    // Prepare
    const [twoDays, sixHours] = [await historyOf(2), await historyOf(0.25)];

    // Act
    const seasonal = await marketOutlook({ history: twoDays }, 'HB_WEST', market, START + 2 * 86_400_000 + 6 * 60_000);
    const flat = await marketOutlook({ history: sixHours }, 'HB_WEST', market, START + 6 * 3_600_000 + 6 * 60_000);

    // Assess
    expect(seasonal.forecast).toMatchObject({
      forecaster: 'seasonal-naive',
      fallbackReason: 'no ridge fit stored yet',
      dataAgeMinutes: 6,
      dataFrom: new Date(START).toISOString(),
    });
    expect(flat.forecast.forecaster).toBe('last-settled');
  });

  it('plans with the stored ridge fit while fresh, then falls back and names the stale fit', async () => {
    // Prepare
    const history = await historyOf(5);
    const fits = new InMemoryForecastFitStore();
    const refitAtMs = START + 5 * 86_400_000 + 6 * 60_000;
    const stored = await refitNode({ history, fits }, 'HB_WEST', market, refitAtMs);
    // Keep the history fresh for a day after, so only the fit ages.
    await history.append(
      'HB_WEST',
      Array.from({ length: 96 }, (_, k) => ({ intervalStartMs: START + (5 * 96 + k) * STEP_MS, rtUsdPerMwh: 30 })),
    );

    // Act
    const fresh = await marketOutlook({ history, fits }, 'HB_WEST', market, refitAtMs + 3_600_000);
    const stale = await marketOutlook({ history, fits }, 'HB_WEST', market, refitAtMs + 13 * 3_600_000);

    // Assess
    expect(fresh.forecast).toMatchObject({ forecaster: 'ridge', fittedAt: new Date(refitAtMs).toISOString() });
    expect(stale.forecast).toMatchObject({
      forecaster: 'seasonal-naive',
      fallbackReason: `ridge fit of ${new Date(stored!.fit.refitAtMs).toISOString()} is stale`,
    });
  });

  it('holds the snapshot price flat when the newest stored price is over two hours old', async () => {
    // Prepare
    const history = await historyOf(2);

    // Act
    const outlook = await marketOutlook({ history }, 'HB_WEST', market, START + 2 * 86_400_000 + 3 * 3_600_000);

    // Assess
    expect(outlook.forecast.forecaster).toBe('last-settled');
    expect(outlook.forecast.fallbackReason).toMatch(/^market history stale: newest price 180 min old$/);
  });
});

describe('the state carried across dispatches', () => {
  const site = referenceFleet.sites[0]!;
  const group = site.asicGroups[0]!;
  const interval = (startsAt: string, unitsOn: number) => ({
    startsAt,
    asicGroups: [{ groupId: group.id, unitsOn, powerTargetKw: 100 }],
    gpuPools: [],
    sitePowerKw: 500,
  });
  const plan: Plan = {
    version: 4,
    createdAt: '2026-11-28T12:00:00.000Z',
    horizonStart: '2026-11-28T12:00:00.000Z',
    intervalMinutes: 15,
    sites: [
      {
        siteId: site.id,
        startState: {
          unitsOn: { [group.id]: group.unitCount },
          recentStarts: {},
          recentStops: { [group.id]: [{ hoursAgo: 1.75, units: 5 }] },
        },
        intervals: [
          interval('2026-11-28T12:00:00.000Z', group.unitCount - 100),
          interval('2026-11-28T12:15:00.000Z', group.unitCount - 40),
          interval('2026-11-28T12:30:00.000Z', 0),
        ],
        ladder: [],
      },
    ],
    solver: { mode: 'lp', status: 'Optimal', objectiveUsd: 0, solveMs: 0 },
  };

  it('ages the stored starts and stops and adds those of each interval that has ended', () => {
    // Act: 5 minutes into the third interval, which the next plan decides.
    const state = carriedState(site, plan, Date.parse('2026-11-28T12:35:00Z'));

    // Assess: 100 stopped in the first interval (now 0.5 h ago), 60 restarted in the second (0.25 h ago); the stop
    // stored 1.75 h before the horizon start is past the 2-hour memory.
    expect(state.unitsOn[group.id]).toBe(group.unitCount - 40);
    expect(state.recentStops[group.id]).toEqual([{ hoursAgo: 0.5, units: 100 }]);
    expect(state.recentStarts[group.id]).toEqual([{ hoursAgo: 0.25, units: 60 }]);
    expect(state.drBaselineKw).toBe(500);
  });

  it('starts every unit on without a previous plan', () => {
    // Act
    const state = carriedState(site, undefined, Date.parse('2026-11-28T12:35:00Z'));

    // Assess
    expect(state.unitsOn[group.id]).toBe(group.unitCount);
    expect(state.recentStarts).toEqual({});
  });
});
