import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import {
  ERCOT_FOUR_CP,
  FOUR_CP_MAX_FORECAST_HOURS,
  fourCpAt,
  fourCpRecord,
  fourCpRecordSchema,
  intervalPeakProbability,
} from '../../../core/forecast/four-cp.js';
import type { GridEvent } from '../../../core/grid-events/grid-event.js';
import { SYSTEM_LOAD_HISTORY_KEY } from '../../../core/market-data/history.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Plan } from '../../../core/model/plan.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { fixedClock } from '../../../core/support/clock.js';
import type { GridEventStore } from '../../../functions/grid-events/ports.js';
import { HighsFleetSolver } from '../../../functions/optimizer/adapters/highs-fleet-solver.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import { fourCpOutlook } from '../../../functions/optimizer/four-cp-outlook.js';
import { createOptimizeSteps } from '../../../functions/optimizer/steps.js';
import { InMemoryMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';

const HOUR_MS = 3_600_000;
// 2022-07-20 14:00 CDT: two hours before ERCOT's July 2022 peak hour (16:00 CDT, 80,038 MW).
const NOW = Date.parse('2022-07-20T19:00:00Z');
const PEAK_HOUR_MS = Date.parse('2022-07-20T21:00:00Z');
const record = readSystemLoadFile(SYSTEM_LOAD_FILE);

/** The shipped load from 40 days before NOW to two days after it, as ingestion would have stored it (and more). */
async function storedLoad(change: (atMs: number, mw: number) => number = (_, mw) => mw) {
  const history = new InMemoryMarketHistoryStore();
  const from = (NOW - 40 * 24 * HOUR_MS - record.startMs) / HOUR_MS;
  const to = (NOW + 48 * HOUR_MS - record.startMs) / HOUR_MS;
  const points = [];
  for (let i = from; i < to; i += 1) {
    const intervalStartMs = record.startMs + i * HOUR_MS;
    points.push({ intervalStartMs, systemLoadMw: change(intervalStartMs, record.values[i]!) });
  }
  await history.append(SYSTEM_LOAD_HISTORY_KEY, points);
  return history;
}

const snapshot: MarketSnapshot = {
  at: '2022-07-20T19:00:00Z',
  intervalMinutes: 15,
  prices: ['HB_WEST', 'HB_SOUTH', 'HB_NORTH'].map((node) => ({ node, realTimeUsdPerMwh: 30 })),
  hashprice: {
    hashpriceUsdPerThDay: 0.1,
    btcPriceUsd: 23_000,
    difficulty: 2.8e13,
    subsidyBtc: 6.25,
    feesBtcPerDay: 20,
  },
  gpuSpotUsdPerGpuHour: 2,
  gridEvents: [],
};

/** OptimizeFlow's steps on the real HiGHS solver over the reference fleet at NOW, plans and events kept in memory. */
function optimizeSteps(history: InMemoryMarketHistoryStore, gridEvents?: Pick<GridEventStore, 'record'>) {
  const drafts = new Map<string, Plan>();
  return createOptimizeSteps({
    fleet: new StaticFleetSource(referenceFleet),
    market: { latest: async () => snapshot },
    plans: {
      save: async (plan) => ({ ok: true, version: plan.version }),
      loadCurrent: async () => undefined,
      loadVersion: async () => undefined,
      listHistory: async () => [],
    },
    switchStates: { get: async () => undefined },
    drafts: { put: async (id, plan) => void drafts.set(id, plan), get: async (id) => drafts.get(id) },
    solver: new HighsFleetSolver({ highs: loadHighs }),
    clock: fixedClock(NOW),
    history,
    ...(gridEvents ? { gridEvents } : {}),
  });
}
const solveWith = async (history: InMemoryMarketHistoryStore) =>
  (await optimizeSteps(history).solveSites({ nowMs: NOW })).plan;

describe('the deployed planner’s 4CP forecast', () => {
  it('reads the stored system load through the known-at rule: load stored ahead of its publication is not seen', async () => {
    // Act
    const outlook = await fourCpOutlook(await storedLoad(), NOW);
    const tampered = await fourCpOutlook(await storedLoad((atMs, mw) => (atMs >= NOW - HOUR_MS ? mw * 0.7 : mw)), NOW);
    // Assess: the same forecast as the backtest's from the whole file, and the peak hour likely.
    expect(outlook).toEqual(fourCpAt(record, ERCOT_FOUR_CP, NOW, 30));
    expect(tampered).toEqual(outlook);
    expect(intervalPeakProbability(outlook, PEAK_HOUR_MS, 60)).toBeGreaterThan(0.02);
    expect(await fourCpOutlook(new InMemoryMarketHistoryStore(), NOW)).toBeUndefined();
  });

  it('forecasts through the planner’s horizon when only the previous operating day’s load is known (NP6-345-CD)', async () => {
    // Prepare: stored load ends at 2022-07-20 00:00 CDT, as ERCOT's daily report leaves it at 14:00 CDT
    const midnightMs = Date.parse('2022-07-20T05:00:00Z');
    const history = await storedLoad();
    const known = new InMemoryMarketHistoryStore();
    await known.append(
      SYSTEM_LOAD_HISTORY_KEY,
      (await history.read(SYSTEM_LOAD_HISTORY_KEY, 0, midnightMs)).map((p) => ({ ...p })),
    );

    // Act
    const outlook = await fourCpOutlook(known, NOW);

    // Assess: from the first unknown hour to 24 h past now, and the peak hour still likely
    expect(outlook!.startMs).toBe(midnightMs);
    expect(outlook!.startMs + outlook!.loadMw.length * HOUR_MS).toBeGreaterThanOrEqual(NOW + 24 * HOUR_MS);
    expect(intervalPeakProbability(outlook, PEAK_HOUR_MS, 60)).toBeGreaterThan(0);
  });

  it('plans without 4CP when the newest known load is more than a week before the horizon’s end (no failed dispatch)', async () => {
    // Prepare: load known up to 7 days before NOW (a feed down for days; npm start on old history), and up to 5 days
    const history = await storedLoad();
    const knownUpTo = async (daysBefore: number) => {
      const known = new InMemoryMarketHistoryStore();
      const endMs = NOW - daysBefore * 24 * HOUR_MS;
      await known.append(SYSTEM_LOAD_HISTORY_KEY, await history.read(SYSTEM_LOAD_HISTORY_KEY, 0, endMs));
      return known;
    };

    // Act
    const stale = await fourCpOutlook(await knownUpTo(7), NOW);
    const recent = await fourCpOutlook(await knownUpTo(5), NOW);

    // Assess: 7 days + the 24 h horizon = 192 h, past a plan’s record (168 h); 5 days + 24 h fits and is recordable
    expect(stale).toBeUndefined();
    expect(recent!.loadMw.length).toBeLessThanOrEqual(FOUR_CP_MAX_FORECAST_HOURS);
    expect(() => fourCpRecordSchema.parse(fourCpRecord(recent!, NOW))).not.toThrow();
  });

  it('curtails in the likely peak hour when the OptimizeFlow solve reads system load from the history', async () => {
    // Prepare
    const peakKw = (plan: Plan) =>
      plan.sites.reduce((sum, site) => {
        const interval = site.intervals.find((i) => Date.parse(i.startsAt) === PEAK_HOUR_MS)!;
        return sum + interval.sitePowerKw;
      }, 0);
    // Act
    const withLoad = await solveWith(await storedLoad());
    const without = await solveWith(new InMemoryMarketHistoryStore());
    // Assess
    expect(peakKw(withLoad)).toBeLessThan(0.5 * peakKw(without));
  }, 60_000);
});

describe('4CP curtailments from the OptimizeFlow', () => {
  it('keeps the forecast in the plan and records each site’s curtailment as a grid event when the plan is saved', async () => {
    // Prepare
    const recorded: GridEvent[] = [];
    const steps = optimizeSteps(await storedLoad(), { record: async (event) => void recorded.push(event) });
    // Act
    const { draftId } = await steps.solve({ draftId: 'd-4cp' });
    const plan = (await steps.solveSites({ nowMs: NOW })).plan;
    await steps.persist({ draftId });
    // Assess: the plan names the forecast it weighed (made at NOW on load known to 13:00 CDT).
    expect(plan.fourCp).toEqual(fourCpRecord(fourCpAt(record, ERCOT_FOUR_CP, NOW, 30)!, NOW));
    expect(plan.fourCp!.loadKnownTo).toBe('2022-07-20T18:00:00.000Z');
    // Every site curtails for the peak hours, each window a four-cp event holding the peak hour.
    expect(new Set(recorded.map((e) => e.siteId))).toEqual(new Set(referenceFleet.sites.map((s) => s.id)));
    for (const event of recorded) {
      expect(event.kind).toBe('four-cp');
      expect(Date.parse(event.startAt)).toBeLessThanOrEqual(PEAK_HOUR_MS);
      expect(Date.parse(event.endAt!)).toBeGreaterThan(PEAK_HOUR_MS);
      expect(event.committedMw).toBeGreaterThan(0);
      expect(event.fourCp).toMatchObject({ forecastAt: '2022-07-20T19:00:00.000Z', planVersion: 1 });
      expect(event.fourCp!.expectedChargeAvoidedUsd).toBeGreaterThan(0);
    }
  }, 60_000);
});
