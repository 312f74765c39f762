import type { Plan } from '../../core/model/plan.js';
import type { Site } from '../../core/model/site.js';
import { assignToPartner } from '../../core/partners/attempt.js';
import type { Partner } from '../../core/partners/catalogue.js';
import { OVERFLOW_REASONS, type OverflowDecision, overflowDecision } from '../../core/partners/overflow.js';
import type { PartnerSettings } from '../../core/partners/settings.js';
import { decide } from '../../core/routing/job-state.js';
import { type PlanTime, plannedPools, withLiveView } from '../../core/routing/pool-state.js';
import { routeJobs } from '../../core/routing/router.js';
import type { PoolLive, PoolState, RoutableJob, RoutingDecision } from '../../core/routing/types.js';
import type { Clock } from '../../core/support/clock.js';
import type { PartnerDispatchPort, PartnerOverflowDeps } from '../partners/ports.js';
import type { DynamoJobStore, StoredJob } from '../shared/data/job-store.js';
import type { SwitchStateStore } from '../shared/data/switch-state-store.js';
import type { PoolLiveSource, SiteQueuePort, WorkloadEventsPort } from './ports.js';
import { commitTransition, type RoutingLog, type TransitionDeps } from './transitions.js';

export interface RouteDeps {
  readonly jobs: Pick<DynamoJobStore, 'pending' | 'queuedAt' | 'get' | 'commit'>;
  readonly plans: { loadCurrent(): Promise<Plan | undefined>; loadVersion(version: number): Promise<Plan | undefined> };
  /**
   * Where a site's switching stands: the plan version it committed last (the site serves by that plan, not by a newer
   * one still on its way, so the router plans by it too), and whether a SwitchFlow is draining it (no new work).
   * @default every site by the current plan, none draining
   */
  readonly switchState?: (siteId: string) => Promise<SiteSwitching | undefined>;
  readonly sites: readonly Site[];
  readonly queues: SiteQueuePort;
  readonly events: WorkloadEventsPort;
  readonly live?: PoolLiveSource;
  readonly clock: Clock;
  /**
   * The time plans are dated by, when not `clock`: the local platform's accelerated simulation clock, while jobs and
   * deadlines run on the wall clock. @default clock
   */
  readonly planTime?: PlanTime;
  readonly log?: RoutingLog;
  /** Partner clouds for work no site can run in time (core/partners). @default none: such work waits or is refused */
  readonly partners?: PartnerOverflowDeps;
}

export type { PlanTime };

export interface SiteSwitching {
  readonly committedVersion?: number;
  readonly draining: boolean;
}

export interface RouteSummary {
  readonly pending: number;
  readonly assigned: number;
  readonly refused: number;
  /** Moved by someone else between the read and the write (another router run, a cancellation). */
  readonly skipped: number;
  /** Left waiting: no pool serves the model anywhere in the plan's horizon, and the deadline is still ahead. */
  readonly waitingForCapacity: number;
  /** Sent to a partner cloud: no site could run them in time, and their tenant allows it. */
  readonly toPartner: number;
  readonly decisions: readonly RoutingDecision[];
}

/** How many waiting jobs one run routes; the rest wait for the next run, which the last commit triggers. */
export const ROUTE_BATCH = 500;

/** Every pool of the fleet now: the current plan's interval in force, the workers' live view, each site's backlog. */
export async function currentPools(deps: RouteDeps): Promise<PoolState[]> {
  const current = await deps.plans.loadCurrent();
  const versions = new Map<number, Promise<Plan | undefined>>();
  const planOf = async (version: number | undefined): Promise<Plan | undefined> => {
    if (version === undefined || version === current?.version) return current;
    if (!versions.has(version)) versions.set(version, deps.plans.loadVersion(version));
    return (await versions.get(version)) ?? current;
  };
  const time = deps.planTime ?? { nowMs: () => deps.clock.nowMs(), toJobMs: (ms: number) => ms };
  const pools = await Promise.all(
    deps.sites.map(async (site) => {
      const switching = await deps.switchState?.(site.id);
      const sitePlan = (await planOf(switching?.committedVersion))?.sites.find((s) => s.siteId === site.id);
      const noLive: Readonly<Record<string, PoolLive>> = {};
      const [live, queued] = await Promise.all([deps.live?.live(site.id) ?? noLive, deps.jobs.queuedAt(site.id)]);
      const planned = plannedPools(site, sitePlan, time);
      // A site being drained for a switch takes no new work until the switch commits.
      const open = switching?.draining ? planned.map((p) => ({ ...p, gpusServing: 0 })) : planned;
      return open.map((pool) =>
        withLiveView(
          pool,
          live[pool.poolId],
          queued.filter((q) => q.state.poolId === pool.poolId).map((q) => q.state.job),
        ),
      );
    }),
  );
  return pools.flat();
}

/**
 * Routes the jobs waiting (new and requeued): the core router against the current plan's capacity, then for each
 * decision, on the job as it is now: an assigned attempt goes to its site's queue first and is then committed as
 * queued (a crash between the two leaves it pending, and the worker drops the repeat of an attempt it holds); a
 * refusal ends the job as failed with the reason, so a deadline that cannot be met is known at once.
 */
export async function routePending(deps: RouteDeps, limit = ROUTE_BATCH): Promise<RouteSummary> {
  const nowMs = deps.clock.nowMs();
  // A job a site handed back unstarted waits out its pause before it is routed again.
  const waiting = (await deps.jobs.pending(limit)).filter((w) => (w.state.job.notBeforeMs ?? 0) <= nowMs);
  if (waiting.length === 0) {
    return { pending: 0, assigned: 0, refused: 0, skipped: 0, waitingForCapacity: 0, toPartner: 0, decisions: [] };
  }
  const seen = new Map<string, StoredJob>(waiting.map((w) => [w.state.job.id, w]));
  const { decisions } = routeJobs(
    await currentPools(deps),
    waiting.map((w) => w.state.job),
    nowMs,
  );
  let assigned = 0;
  let refused = 0;
  let skipped = 0;
  let waitingForCapacity = 0;
  let toPartner = 0;
  const overflow = deps.partners ? partnerOverflow(deps.partners, nowMs) : undefined;
  for (const routed of decisions) {
    const read = seen.get(routed.jobId)!;
    // Bid work goes to a partner only by its clearing (functions/bids/clear-interval.ts), at the bid's price.
    const partner =
      routed.kind === 'refused' && OVERFLOW_REASONS.includes(routed.reason) && read.state.job.tier !== 'bid'
        ? await overflow?.(read.state.job)
        : undefined;
    if (partner?.kind === 'partner') {
      const result = await sendToPartner(
        { ...deps, dispatch: deps.partners!.dispatch },
        read,
        routed.attempt,
        partner.quote,
      );
      if (result === 'committed') toPartner += 1;
      else skipped += 1;
      deps.log?.('routed', { jobId: routed.jobId, attempt: routed.attempt, kind: 'partner', result });
      continue;
    }
    // Nothing in the plan's horizon serves the model: the job waits for the next plan while its deadline is ahead.
    if (routed.kind === 'refused' && routed.reason === 'no-capacity' && read.state.job.deadlineMs > nowMs) {
      waitingForCapacity += 1;
      continue;
    }
    // A refusal says why no partner took the job either.
    const decision: RoutingDecision =
      routed.kind === 'refused' && partner
        ? { ...routed, detail: `${routed.detail}; no partner: ${partner.detail}` }
        : routed;
    // The index is eventually consistent: act only on the job as a consistent read shows it now.
    const fresh = await deps.jobs.get(read.state.job.tenantId, decision.jobId);
    const next = fresh && fresh.version === read.version ? decide(fresh.state, decision) : undefined;
    if (!fresh || !next) {
      skipped += 1;
      continue;
    }
    if (next.message && decision.kind === 'assigned') await deps.queues.send(decision.siteId, next.message);
    const result = await commitTransition(deps, fresh, next.state);
    if (result !== 'committed') skipped += 1;
    else if (decision.kind === 'assigned') assigned += 1;
    else refused += 1;
    deps.log?.('routed', { jobId: decision.jobId, attempt: decision.attempt, kind: decision.kind, result });
  }
  return { pending: waiting.length, assigned, refused, skipped, waitingForCapacity, toPartner, decisions };
}

/** The overflow decision of each job, reading the catalogue once per run and each tenant's settings once. */
function partnerOverflow(
  partners: PartnerOverflowDeps,
  nowMs: number,
): (job: RoutableJob) => Promise<OverflowDecision> {
  let catalogue: Promise<readonly Partner[]> | undefined;
  const settings = new Map<string, Promise<PartnerSettings | undefined>>();
  return async (job) => {
    catalogue ??= partners.catalogue.partners();
    if (!settings.has(job.tenantId)) settings.set(job.tenantId, partners.settings.get(job.tenantId));
    return overflowDecision(job, await catalogue, await settings.get(job.tenantId), nowMs);
  };
}

/**
 * A job handed to a partner as the site path does it: the attempt goes to the partner runner first and is then
 * committed as queued there (a crash between the two leaves it pending; the runner calls only an attempt it reads
 * queued at its partner, and offers it again while it is not yet).
 */
export async function sendToPartner(
  deps: TransitionDeps & {
    readonly jobs: Pick<DynamoJobStore, 'get' | 'commit'>;
    readonly dispatch: PartnerDispatchPort;
  },
  read: StoredJob,
  attempt: number,
  quote: Parameters<typeof assignToPartner>[2],
): Promise<string> {
  const fresh = await deps.jobs.get(read.state.job.tenantId, read.state.job.id);
  const sent = fresh && fresh.version === read.version ? assignToPartner(fresh.state, attempt, quote) : undefined;
  if (!fresh || !sent) return 'job-changed';
  await deps.dispatch.dispatch(sent.message);
  return commitTransition(deps, fresh, sent.state);
}

/** A site's switching as the router needs it, from the SwitchFlow's state records. */
export function switchingFrom(store: Pick<SwitchStateStore, 'get'>): (siteId: string) => Promise<SiteSwitching> {
  return async (siteId) => {
    const state = await store.get(siteId);
    return {
      ...(state?.status === 'committed' && state.planVersion !== undefined
        ? { committedVersion: state.planVersion }
        : {}),
      draining: state?.drainingSince !== undefined && state.status !== 'committed',
    };
  };
}
