/**
 * `npm run bench:routing`: routing decisions per second for 10,000 queued jobs across 10 sites (the reference sites
 * repeated), the latency one arriving job's decision adds against that queue (p50, p99), and a naive first-fit router
 * measured in the same run: its speed, and how many of its assignments the same finish-time model says miss their
 * deadline or price. Seeded and deterministic apart from the timings.
 */
import { performance } from 'node:perf_hooks';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { tokenWork } from '../../core/gpu/models.js';
import { placementOptions } from '../../core/routing/placement.js';
import { poolStatesFor } from '../../core/routing/pool-state.js';
import { candidatesFor, decide, routeJobs, routingOrder, withAssignment } from '../../core/routing/router.js';
import type { PoolState, RoutableJob } from '../../core/routing/types.js';
import { seededRng, uniformInt } from '../../core/support/random.js';
import { noFlags, parseArgsOrExit } from '../cli/args.js';

parseArgsOrExit(noFlags('bench:routing', 'npm run bench:routing'));

const SITES = 10;
const JOBS = 10_000;
const RUNS = 5;
const NOW = Date.parse('2026-03-02T12:00:00Z');
const MODELS = Object.keys(referenceFleet.sites[0]!.gpuPools[0]!.throughputTokensPerSecByModel);
/** vLLM's default max_num_seqs per server, one server per 8-GPU node. */
const SEQUENCES_PER_NODE = 256;

function pools(): PoolState[] {
  return Array.from({ length: SITES }, (_, i) => {
    const base = referenceFleet.sites[i % referenceFleet.sites.length]!;
    return { ...base, id: `${base.id}-${i}` };
  }).flatMap((site, s) =>
    poolStatesFor(site, undefined, undefined).map((pool, p) => {
      // Each pool holds one model warm on half its GPUs; the rest are free to warm another.
      const modelId = MODELS[(s + p) % MODELS.length]!;
      const tps = pool.throughputTokensPerSecByModel[modelId]!;
      return {
        ...pool,
        warmGpusByModel: { [modelId]: Math.floor(pool.gpusServing / 2) },
        sequenceTokensPerSecByModel: Object.fromEntries(MODELS.map((m) => [m, Math.min(tps, 60)])),
        sequenceSlotsByModel: Object.fromEntries(MODELS.map((m) => [m, (pool.gpusServing / 8) * SEQUENCES_PER_NODE])),
      };
    }),
  );
}

function jobs(): RoutableJob[] {
  const rng = seededRng(42);
  return Array.from({ length: JOBS }, (_, i) => ({
    id: `job-${i}`,
    tenantId: `tenant-${i % 50}`,
    modelId: MODELS[uniformInt(rng, 0, MODELS.length - 1)]!,
    inputTokens: uniformInt(rng, 100, 8000),
    outputTokens: uniformInt(rng, 1000, 200_000),
    tier: rng.next() < 0.3 ? 'guaranteed' : 'flex',
    // From 5 minutes to 6 hours: some cannot make it behind the queue.
    deadlineMs: NOW + uniformInt(rng, 5, 360) * 60_000,
    maxPriceUsd: rng.next() < 0.05 ? 0.001 : 5,
    submittedAtMs: NOW - uniformInt(rng, 0, 3_600_000),
    attempt: 1,
  }));
}

/**
 * First fit: the first pool, in site order, that holds the model and has GPUs serving; no deadline, price or load.
 * With `score`, each pick is also run through the router's own finish-time and price model (not timed).
 */
function firstFit(
  state: readonly PoolState[],
  queue: readonly RoutableJob[],
  score: boolean,
): { assigned: number; missed: number } {
  const current = [...state];
  let assigned = 0;
  let missed = 0;
  for (const job of queue) {
    const index = current.findIndex((p) => p.gpusServing > 0 && placementOptions(p, job.modelId, NOW) !== undefined);
    if (index < 0) continue;
    assigned += 1;
    if (!score) continue;
    const best = candidatesFor(job, [current[index]!], NOW).candidates.sort((a, b) => a.finishMs - b.finishMs)[0];
    if (!best) continue;
    if (best.finishMs > job.deadlineMs || best.quoteUsd > job.maxPriceUsd) missed += 1;
    current[index] = withAssignment(current[index]!, job, best);
  }
  return { assigned, missed };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const state = pools();
const queue = jobs();
const ordered = [...queue].sort(routingOrder);
console.log(`${queue.length} jobs, ${SITES} sites, ${state.length} pools, ${MODELS.length} models`);

const routerMs: number[] = [];
let result = routeJobs(state, queue, NOW);
for (let run = 0; run < RUNS; run++) {
  const start = performance.now();
  result = routeJobs(state, queue, NOW);
  routerMs.push(performance.now() - start);
}
const firstFitMs: number[] = [];
const naive = firstFit(state, ordered, true);
for (let run = 0; run < RUNS; run++) {
  const start = performance.now();
  firstFit(state, ordered, false);
  firstFitMs.push(performance.now() - start);
}

// Latency one arriving job's decision adds, against the 10,000 already queued.
const loaded = result.pools;
const arrivals = jobs()
  .slice(0, 2000)
  .map((j) => ({ ...j, id: `late-${j.id}` }));
const latencyUs: number[] = [];
for (const job of arrivals) {
  const start = performance.now();
  decide(job, loaded, NOW);
  latencyUs.push((performance.now() - start) * 1000);
}
latencyUs.sort((a, b) => a - b);

const byKind = new Map<string, number>();
for (const d of result.decisions) {
  const key = d.kind === 'assigned' ? 'assigned' : `refused:${d.reason}`;
  byKind.set(key, (byKind.get(key) ?? 0) + 1);
}
const routerMedian = median(routerMs);
const firstFitMedian = median(firstFitMs);
const rows = [
  ['router (deadline, price, tier, warm-up)', routerMedian, (JOBS / routerMedian) * 1000],
  ['first fit (model fits, GPUs serving)', firstFitMedian, (JOBS / firstFitMedian) * 1000],
] as const;
console.log(`\n${'router'.padEnd(42)}  batch ms   decisions/s (median of ${RUNS} runs)`);
for (const [name, ms, rate] of rows)
  console.log(`${name.padEnd(42)} ${ms.toFixed(1).padStart(9)} ${rate.toFixed(0).padStart(13)}`);
console.log(`ratio router / first fit time: ${(routerMedian / firstFitMedian).toFixed(2)}×`);
console.log(`\nrouter decisions: ${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(
  `first fit: ${naive.assigned} assigned, ${naive.missed} of them past their deadline or price by the router's model ` +
    `(the router refuses those up front instead: ${JOBS - (byKind.get('assigned') ?? 0)} refusals, every one with a reason)`,
);
console.log(
  `\none decision against ${JOBS} queued jobs: p50 ${percentile(latencyUs, 50).toFixed(1)} µs, ` +
    `p99 ${percentile(latencyUs, 99).toFixed(1)} µs (${arrivals.length} arrivals)`,
);
const workH100Hours = queue.reduce((s, j) => s + tokenWork(j), 0) / 900 / 3600;
console.log(`work queued: ${workH100Hours.toFixed(0)} H100-hours of the reference model`);
await import('./routing-latency.js');
