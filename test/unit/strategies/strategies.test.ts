import fc from 'fast-check';
import { DEMAND_SCENARIOS, siteDemand } from '../../../core/demand/scenarios.js';
import { withBreakevenClassifier } from '../../../core/forecast/breakeven-classifier.js';
import { withExpectedPrice } from '../../../core/forecast/expected-price.js';
import { withResidualPaths } from '../../../core/forecast/residual-paths.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { withSpikeExit } from '../../../core/forecast/spike-exit.js';
import type { PriceForecaster } from '../../../core/forecast/types.js';
import {
  dayAheadKnownEnd,
  ERCOT_PUBLICATION,
  type GridEventRecord,
  knownAt,
  type MarketRecord,
  rtKnownEnd,
} from '../../../core/market-data/known-at.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS, type SiteState } from '../../../core/optimizer/types.js';
import { type BacktestData, type Strategy, setupOf } from '../../../core/strategies/context.js';
import { dayAheadBiasForecaster } from '../../../core/strategies/day-ahead-forecaster.js';
import { emptyTotals, initialSiteState, netProfitUsd, simulateStep } from '../../../core/strategies/simulate.js';
import {
  mpcPerfectStrategy,
  mpcStrategy,
  myopicStrategy,
  oracleStrategy,
  staticStrategy,
  strikeStrategy,
} from '../../../core/strategies/strategies.js';
import { runStrategy } from '../../../sim/backtest/run.js';
import { tinyProblem, tinySite } from '../optimizer/tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/** Persistence: every future interval at the last settled price. */
const persistence: PriceForecaster = {
  name: 'persistence',
  forecast: (h, steps) => ({
    startMs: 0,
    stepMinutes: h.stepMinutes,
    pointUsdPerMwh: new Array<number>(steps).fill(h.rtUsdPerMwh[h.rtUsdPerMwh.length - 1] ?? 0),
    spikeProbability: new Array<number>(steps).fill(0),
  }),
};

/** 2024-11-04 00:00 Central: a weekday midnight, so day-ahead publication falls inside short tests. */
const START_MS = Date.UTC(2024, 10, 4, 6);
const DAY_MS = 86_400_000;

/**
 * A backtest of `prices` on a tiny site, its market record starting `warmup.length` steps earlier (warm-up history)
 * with day-ahead prices, temperatures, daily hashprices from two days before and the given grid events.
 */
function data(
  prices: number[],
  capKw: number,
  market: {
    warmup?: number[];
    da?: number[];
    temperature?: number[];
    hashprice?: number[];
    events?: GridEventRecord[];
  } = {},
): BacktestData {
  const site = tinySite({ gpus: true, capKw, wear: 0.05, minOnMinutes: 30 });
  const stepMinutes = 15;
  const warmup = market.warmup ?? [];
  const recordStartMs = START_MS - warmup.length * stepMinutes * 60_000;
  const rt = [...warmup, ...prices];
  const days = market.hashprice ?? Array.from({ length: Math.ceil(rt.length / 96) + 3 }, () => 0.048);
  const firstDayMs = Math.floor(recordStartMs / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const record: MarketRecord = {
    startMs: recordStartMs,
    stepMinutes,
    rtUsdPerMwh: rt,
    ...(market.da ? { daUsdPerMwh: market.da } : {}),
    ...(market.temperature ? { temperatureC: market.temperature } : {}),
    hashpriceDays: days.map((value, d) => ({ dayStartMs: firstDayMs + d * DAY_MS, value })),
    gridEvents: market.events ?? [],
    publication: ERCOT_PUBLICATION,
  };
  const demand = siteDemand(site, { ...DEMAND_SCENARIOS.steady!, seed: 3 }, START_MS, stepMinutes, prices.length, 0);
  return {
    startMs: START_MS,
    stepMinutes,
    steps: prices.length,
    sites: [site],
    expectedDemand: [
      { guaranteedGpuHours: demand.expectedGuaranteedGpuHours, flexGpuHours: demand.expectedFlexGpuHours },
    ],
    demandTerms: DEFAULT_DEMAND_TERMS,
    gridTerms: DEFAULT_GRID_TERMS,
    truth: {
      priceUsdPerMwh: prices,
      hashpriceUsdPerThDay: prices.map(() => 0.048),
      demand: [demand],
      drDeployed: prices.map(() => false),
    },
    market: record,
    marketOffset: warmup.length,
  };
}

const pricesArb = fc.array(fc.double({ min: -20, max: 400, noNaN: true }), { minLength: 12, maxLength: 12 });

describe('strategies scored by the common simulator', () => {
  it('no plan exceeds the site cap', () => {
    fc.assert(
      fc.property(pricesArb, fc.integer({ min: 3, max: 25 }), (prices, capKw) => {
        const site = tinySite({ gpus: true, capKw });
        const problem = tinyProblem(site, prices, {
          stepHours: 0.25,
          guaranteed: prices.map(() => 0.5),
          flex: prices.map(() => 0.3),
        });
        const solution = solveSite(highs, problem);
        const totals = emptyTotals();
        let state = problem.state;
        solution.decisions.forEach((decision, t) => {
          expect(solution.sitePowerKw[t]!).toBeLessThanOrEqual(capKw + 1e-6);
          const step = simulateStep(
            site,
            state,
            decision,
            {
              stepHours: 0.25,
              priceUsdPerMwh: prices[t]!,
              hashpriceUsdPerThDay: 0.048,
              guaranteedArrivalsGpuHours: 0.5,
              flexArrivalsGpuHours: 0.3,
              drDeployed: false,
              peakProbability: 0,
            },
            DEFAULT_DEMAND_TERMS,
            DEFAULT_GRID_TERMS,
            totals,
          );
          expect(step.sitePowerKw).toBeLessThanOrEqual(capKw + 1e-6);
          state = step.state;
        });
        expect(totals.capExceededSteps).toBe(0);
      }),
      { numRuns: 10 },
    );
  });

  it('the oracle is never beaten, and mpc-perfect stays within 1% of it', async () => {
    await fc.assert(
      fc.asyncProperty(pricesArb, fc.integer({ min: 8, max: 25 }), async (prices, capKw) => {
        const d = data(prices, capKw);
        const params = { horizonSteps: 12, fineSteps: 12, coarseBlock: 1, commitSteps: 1 };
        const net = async (s: Parameters<typeof runStrategy>[1]) => netProfitUsd((await runStrategy(d, s)).totals);
        const oracle = await net(oracleStrategy(highs, 12, 12, d.truth));
        const others = [
          await net(staticStrategy()),
          await net(strikeStrategy()),
          await net(myopicStrategy(highs)),
          await net(mpcStrategy(highs, persistence, params)),
          // Perfect prices, GPUs planned on the expected demand (oracle-prices).
          await net(oracleStrategy(highs, 12, 12, d.truth, undefined, 'expected')),
        ];
        const perfect = await net(mpcPerfectStrategy(highs, params, d.truth));
        // Rounding unit and GPU counts to whole numbers is the only slack between the LP and the simulator.
        const tolerance = 0.01 + 1e-6 * Math.abs(oracle);
        for (const other of [...others, perfect]) expect(other).toBeLessThanOrEqual(oracle + tolerance);
        expect(perfect).toBeGreaterThanOrEqual(oracle - 0.01 * Math.abs(oracle) - tolerance);
      }),
      { numRuns: 5 },
    );
  });
});

describe('no strategy looks ahead', () => {
  const steps = 12;
  const warmupSteps = 3 * 96 + 40;
  const total = warmupSteps + steps;
  const price = fc.double({ min: -20, max: 3000, noNaN: true });
  const priceSeries = (n: number) => fc.array(price, { minLength: n, maxLength: n });

  /** Every non-benchmark strategy, fresh (strike and the ridge forecaster keep state between decisions). */
  const strategies = (): Strategy[] => {
    const params = { horizonSteps: 8, fineSteps: 4, coarseBlock: 2, commitSteps: 1 };
    return [
      staticStrategy(),
      strikeStrategy(),
      myopicStrategy(highs),
      mpcStrategy(highs, createRidgeForecaster({ trainingDays: 2 }), params),
      mpcStrategy(highs, withSpikeExit(createRidgeForecaster({ trainingDays: 2 })), params),
      mpcStrategy(highs, withExpectedPrice(createRidgeForecaster({ trainingDays: 2 })), params),
      mpcStrategy(
        highs,
        withExpectedPrice(createRidgeForecaster({ trainingDays: 2 }), { spikeProbability: 'time-of-day' }),
        params,
      ),
      mpcStrategy(
        highs,
        withBreakevenClassifier(
          createRidgeForecaster({ trainingDays: 2 }),
          [
            { efficiencyJPerTh: 17.5, pue: 1.05 },
            { efficiencyJPerTh: 21.5, pue: 1.1 },
          ],
          { horizonHours: 1, ridge: { trainingDays: 2 } },
        ),
        params,
      ),
      mpcStrategy(highs, withResidualPaths(createRidgeForecaster({ trainingDays: 2 }), { paths: 2 }), params),
      mpcStrategy(highs, dayAheadBiasForecaster, params),
    ];
  };

  it('changing everything not yet known at t leaves every decision up to t unchanged', () => {
    fc.assert(
      fc.property(
        priceSeries(total),
        priceSeries(total),
        priceSeries(total),
        priceSeries(total),
        fc.integer({ min: 0, max: steps - 1 }),
        fc.integer({ min: 0, max: total - 4 }),
        (rt, da, otherRt, otherDa, t, eventStep) => {
          const stepMs = 15 * 60_000;
          const recordStart = START_MS - warmupSteps * stepMs;
          const asOfMs = START_MS + t * stepMs;
          const event = (start: number, length: number): GridEventRecord => ({
            kind: 'dr-deployment',
            startMs: recordStart + start * stepMs,
            endMs: recordStart + (start + length) * stepMs,
            noticeMs: recordStart + (start + 1) * stepMs + 5 * 60_000,
            recallNoticeMs: recordStart + (start + length + 1) * stepMs + 5 * 60_000,
          });
          const temperature = rt.map((p) => (p % 30) + 5);
          const base = data(rt.slice(warmupSteps), 25, {
            warmup: rt.slice(0, warmupSteps),
            da,
            temperature,
            hashprice: rt.slice(0, 10).map((p) => 0.03 + Math.abs(p) / 1e5),
            events: [event(eventStep, 3)],
          });
          // The other world: the same up to what is published at t, anything after it.
          const rtEnd = rtKnownEnd(base.market, ERCOT_PUBLICATION, asOfMs);
          const daEnd = dayAheadKnownEnd(base.market, ERCOT_PUBLICATION, asOfMs);
          const observedEnd = rtKnownEnd(base.market, { ...ERCOT_PUBLICATION, rtPublicationDelayMinutes: 0 }, asOfMs);
          const splice = (known: number[], other: number[], end: number) => [
            ...known.slice(0, end),
            ...other.slice(end),
          ];
          const otherEvents = base.market.gridEvents
            .filter((e) => e.noticeMs <= asOfMs)
            .map((e) =>
              e.recallNoticeMs <= asOfMs
                ? e
                : { ...e, endMs: e.endMs + stepMs, recallNoticeMs: e.recallNoticeMs + stepMs },
            );
          otherEvents.push(event(Math.floor(rtEnd) + 2, 2));
          const other: BacktestData = {
            ...base,
            market: {
              ...base.market,
              rtUsdPerMwh: splice(rt, otherRt, rtEnd),
              daUsdPerMwh: splice(da, otherDa, daEnd),
              temperatureC: splice(temperature, otherRt, observedEnd),
              hashpriceDays: base.market.hashpriceDays.map((d) =>
                d.dayStartMs + DAY_MS <= asOfMs ? d : { ...d, value: d.value * 3 + 0.01 },
              ),
              gridEvents: otherEvents,
            },
          };
          // Assess: knownAt hands both worlds the same view, and every strategy decides the same at every step ≤ t.
          expect(knownAt(other.market, asOfMs)).toEqual(knownAt(base.market, asOfMs));
          const setup = setupOf(base);
          const inBase = strategies();
          const inOther = strategies();
          inBase.forEach((strategy, k) => {
            let states: SiteState[] = base.sites.map(initialSiteState);
            for (let step = 0; step <= t; step += 1) {
              const at = START_MS + step * stepMs;
              const context = { t: step, setup, states };
              const decided = strategy.decide({ ...context, known: knownAt(base.market, at) });
              const again = inOther[k]!.decide({ ...context, known: knownAt(other.market, at) });
              expect(again.perSite).toEqual(decided.perSite);
              states = [
                simulateStep(
                  base.sites[0]!,
                  states[0]!,
                  decided.perSite[0]![0]!,
                  {
                    stepHours: 0.25,
                    priceUsdPerMwh: base.truth.priceUsdPerMwh[step]!,
                    hashpriceUsdPerThDay: 0.048,
                    guaranteedArrivalsGpuHours: base.truth.demand[0]!.guaranteedGpuHours[step]!,
                    flexArrivalsGpuHours: base.truth.demand[0]!.flexGpuHours[step]!,
                    drDeployed: false,
                    peakProbability: 0,
                  },
                  DEFAULT_DEMAND_TERMS,
                  DEFAULT_GRID_TERMS,
                  emptyTotals(),
                ).state,
              ];
            }
          });
        },
      ),
      { numRuns: 6 },
    );
  });
});
