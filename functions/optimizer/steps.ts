import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { splitBidsOverSites } from '../../core/bids/demand-curve.js';
import { fourCpRecord } from '../../core/forecast/four-cp.js';
import { demandTermsFromSheet } from '../../core/market/gpu-price-sheet.js';
import type { Plan } from '../../core/model/plan.js';
import type { Site } from '../../core/model/site.js';
import { DEFAULT_DEMAND_TERMS } from '../../core/optimizer/types.js';
import type { SiteCoordination } from '../../core/strategies/planner.js';
import type { Clock } from '../../core/support/clock.js';
import { parseOrThrow } from '../../core/support/validation.js';
import { type SiteBaseline, type SiteSwitch, sitesToSwitch } from '../../core/switching/diff.js';
import { recordFourCpCurtailments } from '../grid-events/four-cp.js';
import type { GridEventStore } from '../grid-events/ports.js';
import type { ForecastFitStore } from '../shared/data/forecast-fit-store.js';
import type { GpuPriceSheetStore } from '../shared/data/gpu-price-sheet-store.js';
import type { MarketHistoryStore } from '../shared/data/market-history-store.js';
import type { PlanStore } from '../shared/data/plan-store.js';
import type { DynamoSiteLeaseStore } from '../shared/data/site-lease-store.js';
import type { SwitchStateStore } from '../shared/data/switch-state-store.js';
import { OPTIMIZE_STATES } from '../shared/flow-states.js';
import { fourCpOutlook } from './four-cp-outlook.js';
import { DEFAULT_OUTLOOK_SETTINGS, marketOutlook, type OutlookSettings, refitNode } from './outlook.js';
import type {
  ArrivalForecast,
  BidBook,
  FleetSource,
  MarketOutlook,
  MarketSource,
  PlanDraftStore,
  PlanSolver,
  WorkDemandSource,
} from './ports.js';

/**
 * The steps of OptimizeFlow as use cases: solve a plan into a draft, then save it as the next version and name the
 * sites whose setpoints change. The state machine carries only ids and the site list, never the plan itself.
 */

export interface OptimizeStepDeps {
  readonly fleet: FleetSource;
  readonly market: MarketSource;
  readonly plans: PlanStore;
  readonly drafts: PlanDraftStore;
  /** What each site last committed (the switch-status records). */
  readonly switchStates: Pick<SwitchStateStore, 'get'>;
  readonly solver: PlanSolver;
  /** The open inference work the plan powers GPUs for. @default none */
  readonly demand?: WorkDemandSource;
  /** The operator's GPU price sheet; without one (or without a sheet set) the default demand terms. @default none */
  readonly gpuPrices?: Pick<GpuPriceSheetStore, 'get'>;
  readonly clock: Clock;
  /** Planned site power of the interval in force, for plan-versus-actual. @default none */
  readonly metrics?: { planSaved(plan: Plan, atMs: number): void };
  /** The market history ingestion stores; without it the snapshot's price is held flat. @default none */
  readonly history?: Pick<MarketHistoryStore, 'read'>;
  /** The scheduled refit's forecast fits; without one the planner falls back to seasonal naive. @default none */
  readonly fits?: ForecastFitStore;
  /** The demand model's expected arrivals; without it only the open work is planned for. @default none */
  readonly arrivals?: ArrivalForecast;
  /** @default DEFAULT_OUTLOOK_SETTINGS */
  readonly outlook?: OutlookSettings;
  /** Where a saved plan's 4CP curtailments are recorded as grid events. @default none (not recorded) */
  readonly gridEvents?: Pick<GridEventStore, 'record'>;
  /** Open bids planned beside mining and cleared when a plan is saved (issue 28). @default none (no bids) */
  readonly bids?: BidBook;
  /**
   * Multi-region: the site leases. The scaled-out prepare plans only the sites this region holds, under their epochs
   * (scale-out.ts); persist saves a plan only while every epoch it names still holds (strongly consistent reads).
   * @default none (a single region: every site, saved unchecked)
   */
  readonly leases?: Pick<DynamoSiteLeaseStore, 'heldEpochs' | 'refusePlan'>;
}

/**
 * One solve of some of the fleet's sites: the per-site entry of a Map over sites (all sites when `siteIds` is absent).
 * Every invocation of one dispatch passes the same `nowMs`, so all sites plan from the same instant and version.
 */
export interface SolveSitesInput {
  /** The dispatch's decision instant, epoch ms. */
  readonly nowMs: number;
  /** Sites to solve, by id; unknown ids are refused. @default every site of the fleet */
  readonly siteIds?: readonly string[];
  /** Fleet-cap coordination from the previous iteration, per site id (by horizon step). @default none */
  readonly coordination?: Readonly<Record<string, SiteCoordination>>;
}

/** How far ahead the demand model's arrivals are asked for. */
const ARRIVALS_HORIZON_HOURS = 48;

export interface SolveSitesResult {
  /** A plan of the solved sites only, versioned as the next plan; `forecast` says what it forecast with. */
  readonly plan: Plan;
  /** Each solved site's planned power by plan interval, kW: what a fleet-cap coordination step sums. */
  readonly sitePowerKw: Readonly<Record<string, readonly number[]>>;
}

export const OPTIMIZE_ERRORS = {
  noMarketData: 'NoMarketData',
  draftMissing: 'PlanDraftMissing',
  versionConflict: 'PlanVersionConflict',
  /** Multi-region: this region holds no site's lease, so it plans nothing (docs/REGIONS.md). */
  notLeaseHolder: 'NotLeaseHolder',
  /** Multi-region: the region lost a site's lease (or it changed epoch) while it planned: the plan is not saved. */
  planFenced: 'PlanFenced',
} as const;

export class OptimizeStepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const draftInput = z.object({ draftId: z.string().min(1).max(256) });

/** A switch in progress for longer than the SwitchFlow timeout died without recording its end. */
export const STALE_SWITCH_MS = 10 * 60_000;

/** The plan as it is stored (JSON): absent and undefined fields alike, key order ignored by the comparison. */
const asJson = (plan: Plan): unknown => JSON.parse(JSON.stringify(plan));

export interface PersistResult {
  readonly planVersion: number;
  readonly switches: SiteSwitch[];
  readonly switchCount: number;
}

export function createOptimizeSteps(deps: OptimizeStepDeps) {
  /** Each site's committed setpoints (from the plan version it committed), override and in-progress switch. */
  async function baselines(siteIds: readonly string[], nowMs: number): Promise<Map<string, SiteBaseline>> {
    const states = await Promise.all(siteIds.map((siteId) => deps.switchStates.get(siteId)));
    const versions = [
      ...new Set(states.flatMap((s) => (s?.status === 'committed' && s.planVersion ? [s.planVersion] : []))),
    ];
    const plans = new Map(
      (await Promise.all(versions.map((v) => deps.plans.loadVersion(v)))).map((p, i) => [versions[i], p]),
    );
    return new Map(
      siteIds.map((siteId, i) => {
        const state = states[i];
        if (!state) return [siteId, {}];
        const inProgress = state.status === 'draining' || state.status === 'commanded';
        const baseline: SiteBaseline = {
          switching: inProgress && nowMs - Date.parse(state.updatedAt) < STALE_SWITCH_MS,
          ...(state.overrideUntil ? { overrideUntilMs: Date.parse(state.overrideUntil) } : {}),
          ...(state.status === 'committed' && state.planVersion
            ? { committed: plans.get(state.planVersion)?.sites.find((site) => site.siteId === siteId) }
            : {}),
        };
        return [siteId, baseline];
      }),
    );
  }

  /**
   * Whether the current plan is this very plan. The version item does not record which draft saved it, so the content
   * stands for the draft: a solve stamps `createdAt` from the clock, and two runs that solved the same version from the
   * same inputs at the same instant would start the same switches under the same execution names. A newer version
   * saved since means this plan is no longer the one to switch to, so the retry stops as a conflict.
   */
  async function isCurrentPlan(plan: Plan): Promise<boolean> {
    const current = await deps.plans.loadCurrent();
    return current?.version === plan.version && isDeepStrictEqual(asJson(current), asJson(plan));
  }

  const outlookSettings = deps.outlook ?? DEFAULT_OUTLOOK_SETTINGS;

  /**
   * A site under an operator override offers no ancillary capacity: dispatch leaves it alone until the override
   * expires, so the load an offer would hold (or an all-off override has already stopped) is not the plan's to
   * promise, and an award on it could not be delivered. The plan still covers the site; only its qualifications are
   * set aside while the override lasts.
   */
  async function withoutOverriddenOffers(sites: readonly Site[], nowMs: number): Promise<Site[]> {
    const states = await Promise.all(
      sites.map((site) => (site.ancillary ? deps.switchStates.get(site.id) : undefined)),
    );
    return sites.map((site, i) => {
      const until = states[i]?.overrideUntil;
      if (!until || Date.parse(until) <= nowMs) return site;
      const { ancillary: _setAside, ...rest } = site;
      return rest;
    });
  }

  /** The receding-horizon planner over some sites (see SolveSitesInput). */
  async function solveSites(input: SolveSitesInput): Promise<SolveSitesResult> {
    const [fleet, market, previous] = await Promise.all([
      deps.fleet.load(),
      deps.market.latest(),
      deps.plans.loadCurrent(),
    ]);
    if (!market) throw new OptimizeStepError(OPTIMIZE_ERRORS.noMarketData, 'no market snapshot has been ingested');
    const unknown = input.siteIds?.find((id) => !fleet.sites.some((site) => site.id === id));
    if (unknown !== undefined) throw new RangeError(`solveSites: siteIds: no site ${unknown} in the fleet`);
    const chosen = input.siteIds ? fleet.sites.filter((site) => input.siteIds!.includes(site.id)) : fleet.sites;
    const { nowMs } = input;
    const sites = await withoutOverriddenOffers(chosen, nowMs);
    const version = (previous?.version ?? 0) + 1;
    const nodes = [...new Set(sites.map((site) => site.marketNode))];
    const stepMs = outlookSettings.stepMinutes * 60_000;
    const horizonStartMs = Math.floor(nowMs / stepMs) * stepMs;
    const [demand, sheet, outlooks, arrivals, fourCp, openBids] = await Promise.all([
      deps.demand?.load(nowMs),
      deps.gpuPrices?.get(),
      deps.history
        ? Promise.all(
            nodes.map(async (node) => [
              node,
              await marketOutlook(
                { history: deps.history!, ...(deps.fits ? { fits: deps.fits } : {}) },
                node,
                market,
                nowMs,
                outlookSettings,
              ),
            ]),
          ).then((entries) => Object.fromEntries(entries) as Record<string, MarketOutlook>)
        : undefined,
      deps.arrivals?.expected(
        sites,
        horizonStartMs,
        outlookSettings.stepMinutes,
        // Past any planner horizon in use (24 h); the solver reads what its layout covers.
        (ARRIVALS_HORIZON_HOURS * 60) / outlookSettings.stepMinutes,
      ),
      deps.history ? fourCpOutlook(deps.history, nowMs) : undefined,
      deps.bids?.open(),
    ]);
    const demandTerms = demandTermsFromSheet(sheet, DEFAULT_DEMAND_TERMS);
    const solved = await deps.solver.solve({
      fleet: { ...fleet, sites },
      market,
      previous,
      version,
      nowMs,
      demandTerms,
      ...(demand ? { demand } : {}),
      ...(outlooks ? { outlook: outlooks } : {}),
      ...(arrivals ? { arrivals } : {}),
      ...(input.coordination ? { coordination: input.coordination } : {}),
      ...(fourCp ? { fourCp } : {}),
      // Split over the whole fleet, also when this call solves a batch of its sites.
      ...(openBids?.length ? { openBids: splitBidsOverSites(openBids, fleet.sites) } : {}),
    });
    // The plan names the registry version of the fleet it was solved for, and the 4CP forecast it weighed.
    const plan: Plan = {
      ...solved,
      ...(fleet.registryVersion ? { registryVersion: fleet.registryVersion } : {}),
      ...(fourCp ? { fourCp: fourCpRecord(fourCp, nowMs) } : {}),
    };
    const sitePowerKw = Object.fromEntries(
      plan.sites.map((site) => [site.siteId, site.intervals.map((i) => i.sitePowerKw)]),
    );
    return { plan, sitePowerKw };
  }

  /**
   * The scheduled refit (its own Lambda, functions/optimizer/refit.ts): each market node's ridge fit from the stored
   * history, stored with its fit window. Dispatches read the newest fit and never wait on this.
   */
  async function refit(): Promise<{ nodes: Array<{ node: string; refitAt: string | null }> }> {
    if (!deps.history || !deps.fits) throw new Error('refit: needs the market history and the fit store');
    const [fleet, market] = await Promise.all([deps.fleet.load(), deps.market.latest()]);
    if (!market) throw new OptimizeStepError(OPTIMIZE_ERRORS.noMarketData, 'no market snapshot has been ingested');
    const nowMs = deps.clock.nowMs();
    const nodes = [...new Set(fleet.sites.map((site) => site.marketNode))];
    const fits = await Promise.all(
      nodes.map((node) =>
        refitNode({ history: deps.history!, fits: deps.fits! }, node, market, nowMs, outlookSettings),
      ),
    );
    return {
      nodes: nodes.map((node, i) => ({
        node,
        refitAt: fits[i] ? new Date(fits[i]!.fit.refitAtMs).toISOString() : null,
      })),
    };
  }

  return {
    solveSites,
    refit,

    async solve(event: unknown) {
      const { draftId } = parseOrThrow(draftInput, event, 'solve input');
      const { plan } = await solveSites({ nowMs: deps.clock.nowMs() });
      const version = plan.version;
      await deps.drafts.put(draftId, plan);
      return { draftId, version, siteCount: plan.sites.length, solverStatus: plan.solver.status };
    },

    async persist(event: unknown): Promise<PersistResult> {
      const { draftId } = parseOrThrow(draftInput, event, 'persist input');
      const plan = await deps.drafts.get(draftId);
      if (!plan) throw new OptimizeStepError(OPTIMIZE_ERRORS.draftMissing, `no plan draft ${draftId}`);
      const refused = plan.leaseEpochs && deps.leases ? await deps.leases.refusePlan(plan.leaseEpochs) : [];
      if (refused.length > 0) {
        const { siteId, reason } = refused[0]!;
        throw new OptimizeStepError(OPTIMIZE_ERRORS.planFenced, `plan not saved: lease of ${siteId} ${reason}`);
      }
      const saved = await deps.plans.save(plan);
      if (!saved.ok && saved.reason === 'stale-epoch') {
        throw new OptimizeStepError(OPTIMIZE_ERRORS.planFenced, 'plan not saved: a newer lease epoch planned a site');
      }
      // A conflict on this draft's own plan, still current, is a retry whose first save went through but whose answer
      // was lost (Step Functions retries the task): the version is ours, so the run goes on and switches from it.
      const retried = !saved.ok && (await isCurrentPlan(plan));
      if (!saved.ok && !retried) {
        // Another run saved this version first: its plan is as fresh as ours, so this run stops without switching.
        throw new OptimizeStepError(OPTIMIZE_ERRORS.versionConflict, `plan version ${plan.version} already saved`);
      }
      const nowMs = deps.clock.nowMs();
      // The first interval's bids are cleared once (a retry, or the next dispatch in the interval, finds its record).
      await deps.bids?.clearPlan(plan, nowMs);
      if (deps.gridEvents && plan.fourCp) {
        // A retry records the same windows again: each is stored once (its id is its start).
        await recordFourCpCurtailments(plan, (await deps.fleet.load()).sites, deps.gridEvents);
      }
      const switches = sitesToSwitch(
        plan,
        await baselines(
          plan.sites.map((site) => site.siteId),
          nowMs,
        ),
        nowMs,
      );
      // Gauges of the interval in force: a retry sends the same values again, or the ones a failed first try lost.
      deps.metrics?.planSaved(plan, deps.clock.nowMs());
      return { planVersion: plan.version, switches, switchCount: switches.length };
    },
  };
}

export type OptimizeSteps = ReturnType<typeof createOptimizeSteps>;

/** The flow's solve runs scaled out (scale-out.ts); `solve` stays the in-process, all-sites path. */
export function optimizeStepHandlers(steps: OptimizeSteps) {
  return { [OPTIMIZE_STATES.persist]: steps.persist };
}
