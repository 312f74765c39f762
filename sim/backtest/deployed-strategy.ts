import type { MarketAncillaryProduct } from '../../core/ancillary/products.js';
import { ERCOT_FOUR_CP } from '../../core/forecast/four-cp.js';
import {
  ANCILLARY_HISTORY_FIELDS,
  type MarketHistoryPoint,
  SYSTEM_LOAD_HISTORY_KEY,
} from '../../core/market-data/history.js';
import { type KnownAtView, knownAt, type MarketRecord } from '../../core/market-data/known-at.js';
import type { RegularSeries } from '../../core/market-data/series.js';
import { publishedLoadPoints } from '../../core/market-data/system-load.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Plan } from '../../core/model/plan.js';
import type { HighsSolver, SolveOptions } from '../../core/optimizer/solve.js';
import type { SiteDecision } from '../../core/optimizer/types.js';
import type { BacktestData, DecisionContext } from '../../core/strategies/context.js';
import type { PlannerLayout } from '../../core/strategies/planner.js';
import { ingestMarketSnapshot } from '../../functions/market/ingest.js';
import type { MarketDataSource } from '../../functions/market/ports.js';
import { HighsFleetSolver } from '../../functions/optimizer/adapters/highs-fleet-solver.js';
import { StaticFleetSource } from '../../functions/optimizer/adapters/static-fleet-source.js';
import { DEFAULT_OUTLOOK_SETTINGS } from '../../functions/optimizer/outlook.js';
import type { ArrivalForecast, PlanDraftStore } from '../../functions/optimizer/ports.js';
import { createOptimizeSteps } from '../../functions/optimizer/steps.js';
import { InMemoryForecastFitStore } from '../../functions/shared/data/forecast-fit-store.js';
import { InMemoryMarketHistoryStore } from '../../functions/shared/data/market-history-store.js';
import type { PlanStore } from '../../functions/shared/data/plan-store.js';
import type { RunnableStrategy } from './run.js';

/** The scheduled refit's period and offset: every 6 h (the ridge's refit hours), 15 minutes past (see refitDue). */
const REFIT_EVERY_MS = 6 * 3_600_000;
/**
 * The first dispatch whose forecast starts at a refit time runs one grid step after it (the interval before it is
 * published 5 minutes after it ends), so the refit runs then and its fit is the one the backtest's mpc makes.
 */
const REFIT_OFFSET_MS = 15 * 60_000;
/** History replayed into the store before the first decision: what the dispatch reads, with margin. */
const WARMUP_DAYS = DEFAULT_OUTLOOK_SETTINGS.historyDays + 1;

/**
 * The deployed dispatch, replayed: at each decision the market ingestion use case runs on a source replaying the
 * market record (filling the market history store as in AWS), the scheduled refit runs when due, then the OptimizeFlow's
 * solve and persist steps run in-process (the Lambdas' code path) on in-memory adapters, and the new plan's first
 * interval is the decision the simulator scores. The stored plan carries the start state to the next dispatch, as in
 * AWS; the open work is the simulator's flex backlog (what the job store would hold); the demand model's arrivals are
 * the backtest's expectation.
 */
export function deployedStrategy(
  highs: HighsSolver,
  data: BacktestData,
  layout: PlannerLayout,
  solve?: SolveOptions,
): RunnableStrategy {
  const stepMs = data.stepMinutes * 60_000;
  const history = new InMemoryMarketHistoryStore();
  const fits = new InMemoryForecastFitStore();
  const plans = memoryPlans();
  const drafts = memoryDrafts();
  const snapshots = memorySnapshots();
  const source = replaySource(data.market, [...new Set(data.sites.map((s) => s.marketNode))], data.fourCpSystemLoad);
  let nowMs = data.startMs;
  let backlog: DecisionContext['states'] = [];
  const clock = { nowMs: () => nowMs };
  const arrivals: ArrivalForecast = {
    async expected(sites, startMs, _stepMinutes, steps) {
      const from = Math.round((startMs - data.startMs) / stepMs);
      return Object.fromEntries(
        sites.map((site) => {
          const s = data.sites.findIndex((x) => x.id === site.id);
          const d = data.expectedDemand[s]!;
          return [
            site.id,
            {
              guaranteedGpuHours: d.guaranteedGpuHours.slice(from, from + steps),
              flexGpuHours: d.flexGpuHours.slice(from, from + steps),
            },
          ];
        }),
      );
    },
  };
  const steps = createOptimizeSteps({
    fleet: new StaticFleetSource({ sites: [...data.sites] }),
    market: snapshots,
    plans,
    drafts,
    switchStates: { get: async () => undefined },
    solver: new HighsFleetSolver({ highs: async () => highs, layout, ...(solve ? { solve } : {}) }),
    demand: {
      async load() {
        return Object.fromEntries(
          data.sites.map((site, s) => [site.id, { guaranteedGpuHours: 0, flexBacklog: backlog[s]?.flexBacklog ?? [] }]),
        );
      },
    },
    arrivals,
    history,
    fits,
    clock,
    outlook: { ...DEFAULT_OUTLOOK_SETTINGS, stepMinutes: data.stepMinutes },
  });
  const ingest = () =>
    ingestMarketSnapshot({
      source,
      store: snapshots,
      history,
      signals: { publish: async () => {} },
      metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
      clock,
    });
  const refitDue = (atMs: number) => (atMs - REFIT_OFFSET_MS) % REFIT_EVERY_MS === 0;
  let warmedUp = false;

  async function warmUp(firstMs: number) {
    const from = Math.max(data.market.startMs, firstMs - WARMUP_DAYS * 86_400_000);
    // The system load published before the replay starts, as a one-off import would store it.
    if (data.fourCpSystemLoad) {
      await history.append(
        SYSTEM_LOAD_HISTORY_KEY,
        publishedLoadPoints(
          data.fourCpSystemLoad,
          ERCOT_FOUR_CP.loadPublicationDelayMinutes,
          from - 40 * 86_400_000,
          from,
        ),
      );
    }
    for (let atMs = from; atMs < firstMs; atMs += stepMs) {
      nowMs = atMs;
      await ingest();
      // Only the last fits before the first decision matter; earlier ones would be replaced.
      if (refitDue(atMs) && firstMs - atMs <= REFIT_EVERY_MS) await steps.refit();
    }
  }

  return {
    name: 'deployed',
    async decide(context) {
      const atMs = data.startMs + context.t * stepMs;
      if (!warmedUp) {
        await warmUp(atMs);
        warmedUp = true;
      }
      nowMs = atMs;
      backlog = context.states;
      await ingest();
      if (refitDue(atMs)) await steps.refit();
      const draftId = `replay-${context.t}`;
      const solved = await steps.solve({ draftId });
      await steps.persist({ draftId });
      const plan = (await plans.loadCurrent())!;
      if (plan.version !== solved.version) throw new Error(`deployed replay: plan ${solved.version} was not saved`);
      return {
        perSite: data.sites.map((site) => [decisionOf(plan, site.id, site)]),
        plannedPriceUsdPerMwh: [],
      };
    },
  };
}

/**
 * The plan's first interval for a site as the simulator's decision (power per unit from the group's target), with the
 * ancillary offers the plan makes for it.
 */
function decisionOf(plan: Plan, siteId: string, site: BacktestData['sites'][number]): SiteDecision {
  const sitePlan = plan.sites.find((s) => s.siteId === siteId)!;
  const interval = sitePlan.intervals[0]!;
  const startMs = Date.parse(interval.startsAt);
  const offers = (sitePlan.ancillaryOffers ?? [])
    .filter((o) => o.intervalStartMs === startMs)
    .map(({ product, offeredMw, assumedPriceUsdPerMwh }) => ({ product, offeredMw, assumedPriceUsdPerMwh }));
  return {
    ...(offers.length > 0 ? { ancillary: offers } : {}),
    asic: interval.asicGroups.map((g) => {
      const group = site.asicGroups.find((x) => x.id === g.groupId)!;
      const activeW = g.powerTargetKw * 1000 - (group.unitCount - g.unitsOn) * group.sleepPowerW;
      return { groupId: g.groupId, unitsOn: g.unitsOn, powerPerUnitW: g.unitsOn === 0 ? 0 : activeW / g.unitsOn };
    }),
    gpu: interval.gpuPools.map((p) => ({
      poolId: p.poolId,
      gpusPowered: p.gpusPowered,
      servingGuaranteed: p.gpusServing,
      servingFlex: p.gpusServingFlex ?? p.gpusServing,
    })),
  };
}

/**
 * The market record replayed as a market data source: the snapshot of the interval in force (as the CSV source
 * gives), the hashprice and deployments known then, and the day-ahead prices (energy and ancillary capacity) and
 * temperatures published by then.
 */
function replaySource(
  record: MarketRecord,
  nodes: readonly string[],
  systemLoad: RegularSeries | undefined,
): MarketDataSource {
  const stepMs = record.stepMinutes * 60_000;
  const indexAt = (atMs: number) => Math.floor((atMs - record.startMs) / stepMs);
  const viewAt = memo((atMs: number) => knownAt(record, atMs));
  return {
    name: 'replay',
    async snapshotAt(atMs) {
      const i = indexAt(atMs);
      const known = viewAt(atMs);
      return {
        at: new Date(record.startMs + i * stepMs).toISOString(),
        intervalMinutes: record.stepMinutes,
        prices: nodes.map((node) => ({
          node,
          realTimeUsdPerMwh: record.rtUsdPerMwh[i]!,
          ...(record.daUsdPerMwh?.[i] !== undefined ? { dayAheadUsdPerMwh: record.daUsdPerMwh[i]! } : {}),
        })),
        hashprice: {
          hashpriceUsdPerThDay: known.hashpriceUsdPerThDay,
          btcPriceUsd: 1,
          difficulty: 1,
          subsidyBtc: 0,
          feesBtcPerDay: 0,
        },
        gpuSpotUsdPerGpuHour: 0,
        gridEvents: deploymentEvents(known),
      } satisfies MarketSnapshot;
    },
    async publishedAt(atMs) {
      const i = indexAt(atMs);
      const known = viewAt(atMs);
      const points: MarketHistoryPoint[] = [];
      const da = known.daUsdPerMwh ?? [];
      for (let k = i; k < da.length; k += 1)
        points.push({ intervalStartMs: record.startMs + k * stepMs, daUsdPerMwh: da[k]! });
      // DAM ancillary capacity prices as far as they are posted (issue 25), like the day-ahead energy prices.
      for (const [product, values] of Object.entries(known.ancillaryUsdPerMwh?.byProduct ?? {})) {
        const field = ANCILLARY_HISTORY_FIELDS[product as MarketAncillaryProduct];
        for (let k = i; k < values.length; k += 1) {
          if (Number.isFinite(values[k]))
            points.push({ intervalStartMs: record.startMs + k * stepMs, [field]: values[k]! });
        }
      }
      const temperature = known.temperatureC ?? [];
      for (let k = Math.max(0, i - 1); k < temperature.length; k += 1)
        points.push({ intervalStartMs: record.startMs + k * stepMs, temperatureC: temperature[k]! });
      return points;
    },
    async systemLoadAt(atMs) {
      // Each run re-sends what was published since one step before it.
      return systemLoad
        ? publishedLoadPoints(systemLoad, ERCOT_FOUR_CP.loadPublicationDelayMinutes, atMs - 2 * stepMs, atMs)
        : [];
    },
  };
}

/** Known deployments as the snapshot's demand-response events (one not yet recalled runs on). */
function deploymentEvents(known: KnownAtView): MarketSnapshot['gridEvents'] {
  return known.gridEvents.map((e, k) => ({
    id: `dr-${e.startMs}-${k}`,
    kind: 'demand-response' as const,
    siteIds: [],
    startsAt: new Date(e.startMs).toISOString(),
    endsAt: new Date(e.endMs ?? 8.64e15).toISOString(),
  }));
}

function memo<T>(f: (atMs: number) => T): (atMs: number) => T {
  let last: { atMs: number; value: T } | undefined;
  return (atMs) => {
    if (last?.atMs !== atMs) last = { atMs, value: f(atMs) };
    return last.value;
  };
}

function memorySnapshots() {
  let latest: MarketSnapshot | undefined;
  return {
    async put(snapshot: MarketSnapshot) {
      if (!latest || latest.at <= snapshot.at) latest = snapshot;
    },
    async latest() {
      return latest;
    },
  };
}

/** The current plan and the one before (all a replay's dispatch reads). */
function memoryPlans(): PlanStore {
  let current: Plan | undefined;
  let previous: Plan | undefined;
  return {
    async save(plan) {
      if (plan.version !== (current?.version ?? 0) + 1)
        return { ok: false, reason: 'version-conflict', version: plan.version, cancellationCodes: [] };
      previous = current;
      current = plan;
      return { ok: true, version: plan.version };
    },
    async loadCurrent() {
      return current;
    },
    async loadVersion(version) {
      return [current, previous].find((p) => p?.version === version);
    },
    async listHistory() {
      return [];
    },
  };
}

function memoryDrafts(): PlanDraftStore {
  const drafts = new Map<string, Plan>();
  return {
    async put(id, plan) {
      drafts.clear();
      drafts.set(id, plan);
    },
    async get(id) {
      return drafts.get(id);
    },
  };
}
