import { tokenWork } from '../gpu/models.js';
import { finishTimeMs, placementOptions, type ServingGroup } from './placement.js';
import { DEFAULT_PRICE_SHEET, jobGpuSeconds, type PriceSheet, priceUsd } from './pricing.js';
import type { PoolState, RefusalReason, RoutableJob, RoutingDecision, TierWork } from './types.js';

/** One way to run a job: a pool, with or without a new replica, and what it would cost and when it would finish. */
interface Candidate {
  readonly pool: PoolState;
  readonly scaleOut: boolean;
  readonly replicaGpus: number;
  readonly replicaReadyAtMs: number;
  readonly startAtMs: number;
  readonly finishMs: number;
  readonly quoteUsd: number;
  readonly gpuSeconds: number;
  readonly sequenceSeconds: number;
  readonly warm: boolean;
}

/** Guaranteed first, then flex, then bid work; then earliest deadline, then first come; ids make the order total. */
export function routingOrder(a: RoutableJob, b: RoutableJob): number {
  return (
    TIER_ORDER[a.tier] - TIER_ORDER[b.tier] ||
    a.deadlineMs - b.deadlineMs ||
    a.submittedAtMs - b.submittedAtMs ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

const TIER_ORDER: Readonly<Record<RoutableJob['tier'], number>> = { guaranteed: 0, flex: 1, bid: 2 };

/**
 * Work queued ahead of a job of this tier: guaranteed work waits only behind guaranteed work, the others behind all
 * (bid work is counted with flex: it is scheduled after flex, so nothing waits behind it but more bid work).
 */
function workAhead(backlog: TierWork | undefined, job: RoutableJob): number {
  if (!backlog) return 0;
  return job.tier === 'guaranteed' ? backlog.guaranteed : backlog.guaranteed + backlog.flex;
}

function plus(backlog: TierWork | undefined, job: RoutableJob, amount: number): TierWork {
  const base = backlog ?? { guaranteed: 0, flex: 0 };
  const bucket = job.tier === 'guaranteed' ? 'guaranteed' : 'flex';
  return { ...base, [bucket]: base[bucket] + amount };
}

/**
 * When the job's sequence is done: never sooner than its tokens at one sequence's speed, and, when the pool's slots
 * are taken, after the sequence-seconds ahead of it have drained through them.
 */
function sequenceFinishMs(pool: PoolState, job: RoutableJob, startAtMs: number): { doneMs: number; seconds: number } {
  const tps = pool.sequenceTokensPerSecByModel?.[job.modelId];
  if (!tps) return { doneMs: 0, seconds: 0 };
  const seconds = tokenWork(job) / tps;
  const slots = pool.sequenceSlotsByModel?.[job.modelId];
  const queuedSeconds = slots
    ? (workAhead(pool.backlogSequenceSecondsByModel?.[job.modelId], job) + seconds) / slots
    : 0;
  return { doneMs: startAtMs + Math.max(seconds, queuedSeconds) * 1000, seconds };
}

function candidate(
  pool: PoolState,
  job: RoutableJob,
  groups: readonly ServingGroup[],
  scaleOut: ServingGroup | undefined,
  rate: { tokensPerSecPerGpu: number },
  sheet: PriceSheet,
): Candidate | undefined {
  const all = scaleOut ? [...groups, scaleOut] : groups;
  const modelRate = { tokensPerSecPerGpu: rate.tokensPerSecPerGpu, gpuSpeed: pool.gpuSpeed };
  const gpuSeconds = jobGpuSeconds(job, modelRate);
  const fluidMs = finishTimeMs(all, workAhead(pool.backlogGpuSecondsByModel?.[job.modelId], job) + gpuSeconds);
  if (fluidMs === undefined) return undefined;
  const startAtMs = Math.min(...all.map((g) => g.readyAtMs));
  // One sequence decodes no faster than the memory bandwidth allows, however empty the pool.
  const sequence = sequenceFinishMs(pool, job, startAtMs);
  return {
    pool,
    scaleOut: scaleOut !== undefined,
    replicaGpus: scaleOut?.gpus ?? 0,
    replicaReadyAtMs: scaleOut?.readyAtMs ?? startAtMs,
    startAtMs,
    finishMs: Math.max(fluidMs, sequence.doneMs),
    quoteUsd: priceUsd(job, job.tier, modelRate, sheet),
    gpuSeconds,
    sequenceSeconds: sequence.seconds,
    warm: groups.length > 0,
  };
}

/** Every way the job could run now: on each pool that holds its model, warm or with one replica more. */
export function candidatesFor(
  job: RoutableJob,
  pools: readonly PoolState[],
  nowMs: number,
  sheet = DEFAULT_PRICE_SHEET,
): { candidates: Candidate[]; modelFits: boolean } {
  const candidates: Candidate[] = [];
  let modelFits = false;
  for (const pool of pools) {
    if (job.avoidSiteIds?.includes(pool.siteId)) continue;
    const options = placementOptions(pool, job.modelId, nowMs);
    if (!options) continue;
    modelFits = true;
    if (pool.gpusServing <= 0) continue;
    const warm = candidate(pool, job, options.warm, undefined, options, sheet);
    const cold = options.scaleOut ? candidate(pool, job, options.warm, options.scaleOut, options, sheet) : undefined;
    for (const c of [warm, cold]) if (c) candidates.push(c);
  }
  return { candidates, modelFits };
}

/** Earliest finish, then the cheaper quote, then not spending free GPUs, then site and pool id. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.finishMs !== b.finishMs) return a.finishMs < b.finishMs;
  if (a.quoteUsd !== b.quoteUsd) return a.quoteUsd < b.quoteUsd;
  if (a.scaleOut !== b.scaleOut) return !a.scaleOut;
  const ka = `${a.pool.siteId}/${a.pool.poolId}`;
  const kb = `${b.pool.siteId}/${b.pool.poolId}`;
  return ka < kb;
}

function refusal(job: RoutableJob, reason: RefusalReason, detail: string, earliestFinishMs?: number): RoutingDecision {
  return {
    kind: 'refused',
    jobId: job.id,
    attempt: job.attempt,
    reason,
    detail,
    ...(earliestFinishMs !== undefined ? { earliestFinishMs } : {}),
  };
}

/** Decides one job against the pools as they stand: the best candidate that meets its deadline and price, or why none. */
export function decide(
  job: RoutableJob,
  pools: readonly PoolState[],
  nowMs: number,
  sheet = DEFAULT_PRICE_SHEET,
): { decision: RoutingDecision; chosen?: Candidate } {
  const { candidates, modelFits } = candidatesFor(job, pools, nowMs, sheet);
  if (!modelFits) {
    return { decision: refusal(job, 'model-fits-no-pool', `no pool serves ${job.modelId} in its GPU memory`) };
  }
  if (candidates.length === 0) {
    return { decision: refusal(job, 'no-capacity', `no pool serving ${job.modelId} has GPUs in the current plan`) };
  }
  let earliest: Candidate | undefined;
  let cheapestInTime: Candidate | undefined;
  let chosen: Candidate | undefined;
  for (const c of candidates) {
    if (!earliest || better(c, earliest)) earliest = c;
    if (c.finishMs > job.deadlineMs) continue;
    if (!cheapestInTime || c.quoteUsd < cheapestInTime.quoteUsd) cheapestInTime = c;
    if (c.quoteUsd <= job.maxPriceUsd && (!chosen || better(c, chosen))) chosen = c;
  }
  if (chosen) {
    const p = chosen.pool;
    return {
      chosen,
      decision: {
        kind: 'assigned',
        jobId: job.id,
        attempt: job.attempt,
        siteId: p.siteId,
        poolId: p.poolId,
        warm: chosen.warm,
        startAtMs: chosen.startAtMs,
        estimatedFinishMs: chosen.finishMs,
        quoteUsd: chosen.quoteUsd,
        gpuSeconds: chosen.gpuSeconds,
      },
    };
  }
  if (cheapestInTime) {
    const detail = `cheapest quote in time is ${cheapestInTime.quoteUsd} USD, above the maximum ${job.maxPriceUsd} USD`;
    return { decision: refusal(job, 'price-exceeds-max', detail) };
  }
  const at = new Date(earliest!.finishMs).toISOString();
  const detail = `earliest finish ${at} is after the deadline ${new Date(job.deadlineMs).toISOString()}`;
  return { decision: refusal(job, 'deadline-infeasible', detail, earliest!.finishMs) };
}

/** The pool after a job is assigned to it: its work is queued and a new replica, if any, holds GPUs. */
export function withAssignment(pool: PoolState, job: RoutableJob, chosen: Candidate): PoolState {
  const m = job.modelId;
  const next: PoolState = {
    ...pool,
    backlogGpuSecondsByModel: {
      ...pool.backlogGpuSecondsByModel,
      [m]: plus(pool.backlogGpuSecondsByModel?.[m], job, chosen.gpuSeconds),
    },
    ...(chosen.sequenceSeconds > 0
      ? {
          backlogSequenceSecondsByModel: {
            ...pool.backlogSequenceSecondsByModel,
            [m]: plus(pool.backlogSequenceSecondsByModel?.[m], job, chosen.sequenceSeconds),
          },
        }
      : {}),
  };
  if (!chosen.scaleOut) return next;
  return {
    ...next,
    warmGpusByModel: {
      ...pool.warmGpusByModel,
      [job.modelId]: (pool.warmGpusByModel[job.modelId] ?? 0) + chosen.replicaGpus,
    },
    // A model warming for the first time is ready when its replica is. A warm model keeps its ready time: the new
    // replica counts from then, a slight optimism that lasts one warm-up and never refuses a feasible job.
    readyAtMsByModel: chosen.warm
      ? pool.readyAtMsByModel
      : { ...pool.readyAtMsByModel, [job.modelId]: chosen.replicaReadyAtMs },
  };
}

/**
 * Routes a batch of accepted jobs onto the pools, guaranteed before flex and earliest deadline first, each against
 * the pools as the previous assignments left them. Pure and deterministic: the same pools, jobs and instant give the
 * same decisions, in routing order, and the pools with the new work queued.
 */
export function routeJobs(
  pools: readonly PoolState[],
  jobs: readonly RoutableJob[],
  nowMs: number,
  sheet = DEFAULT_PRICE_SHEET,
): { decisions: RoutingDecision[]; pools: PoolState[] } {
  const current = [...pools];
  const index = new Map(current.map((p, i) => [`${p.siteId}/${p.poolId}`, i]));
  const decisions: RoutingDecision[] = [];
  for (const job of [...jobs].sort(routingOrder)) {
    const { decision, chosen } = decide(job, current, nowMs, sheet);
    decisions.push(decision);
    if (!chosen) continue;
    const i = index.get(`${chosen.pool.siteId}/${chosen.pool.poolId}`)!;
    current[i] = withAssignment(current[i]!, job, chosen);
  }
  return { decisions, pools: current };
}
