import { performance } from 'node:perf_hooks';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Fleet } from '../../../core/model/site.js';
import { scaleOutStepHandlers } from '../../../functions/optimizer/scale-out.js';
import { optimizeStepHandlers } from '../../../functions/optimizer/steps.js';
import { createDocumentClient } from '../../../functions/shared/data/client.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { OPTIMIZE_STATES } from '../../../functions/shared/flow-states.js';
import { OPTIMIZE_MEMORY_MB } from '../../../stacks/constructs/optimize-flow.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.js';
import { createStateMachineRunner, type LocalTaskHandler } from '../../local/stepfunctions/index.js';
import { synthesizeControlTemplate } from '../../platform/control-loop.js';
import { modelMakespanMs } from './model.js';
import { WorkerPool } from './pool.js';
import { benchOptimizeSteps } from './wiring.js';

/** Model inputs that are assumptions, not measurements (stated with the figures). */
const MODEL_ASSUMPTIONS = {
  /** Node 24 Lambda init + loading the 'highs' wasm, per Lambda's first invocation of a run. */
  coldStartMs: 1_000,
  /** Step Functions' own latency to start a Map iteration's Lambda task and take its result back. */
  transitionMs: 50,
  /** Concurrent Lambdas modelled: 40 is the inline Map's ceiling; more needs a distributed Map. */
  concurrency: [1, 10, 40, 100],
  /** Rounds: 1 without a fleet cap; 5 is the most a binding cap takes at maxPriceRounds 3 (3 λ rounds + share). */
  rounds: [1, 5],
} as const;

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round1 = (ms: number) => Math.round(ms * 10) / 10;

export interface ScaleOutBenchOptions {
  readonly siteCounts: readonly number[];
  readonly fleetOf: (n: number) => Fleet;
  readonly market: MarketSnapshot;
  /** Worker threads solving batches at once (the local stand-in for concurrent Lambdas). */
  readonly workers: number;
  /**
   * Largest fleet run in full. A larger fleet is measured on its first `maxRunSites` sites: per-site times from that
   * sample, the wall times scaled by sites (and said so in the row), the model fed the sample's durations repeated.
   */
  readonly maxRunSites: number;
}

/**
 * For each fleet size: the one-Lambda path (today's `solve` use case, all sites in one call) and the OptimizeFlow as
 * synthesized (prepare → Map of one-site batches → coordinate → persist) on aws-local-stepfunctions, its batches on a
 * pool of worker threads, both against DynamoDB Local; then the makespan model and the GB-s estimate.
 */
export async function benchScaleOut(options: ScaleOutBenchOptions) {
  const dynamo = await startDynamoDbLocal();
  const admin = localDynamoDbClient(dynamo.endpoint);
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const template = synthesizeControlTemplate();
  const results = [];
  const runs = new Map<number, Awaited<ReturnType<typeof measureRun>>>();
  /** One fleet size's measurements: the one-Lambda path, then the Map on the pool. */
  async function measureRun(runSites: number) {
    const tableName = `bench-optimizer-${runSites}`;
    await ensureTable(admin, tableName);
    const fleet = options.fleetOf(runSites);
    const main = benchOptimizeSteps({ client, tableName, fleet });
    await new DynamoMarketSnapshotStore({ client, tableName }).put(options.market);

    // Today's path: every site in one solve, one Lambda (run here in-process, HiGHS warm).
    await main.optimize.solve({ draftId: 'warm-up' });
    const oneStarted = performance.now();
    await main.optimize.solve({ draftId: 'one-lambda' });
    const oneLambdaMs = performance.now() - oneStarted;

    const pool = new WorkerPool<{ siteCount: number; solveMs: number }>(options.workers, {
      endpoint: dynamo.endpoint,
      tableName,
      fleet,
    });
    const invocations: Array<{ invocationMs: number; solveMs: number }> = [];
    const stepMs: Record<string, number[]> = {};
    const timed =
      (state: string, handler: (event: unknown) => Promise<unknown>): LocalTaskHandler =>
      async (event: unknown) => {
        const started = performance.now();
        const out = await handler(event);
        stepMs[state] = [...(stepMs[state] ?? []), performance.now() - started];
        return out;
      };
    const scaleOut = scaleOutStepHandlers(main.scaleOut);
    const runner = createStateMachineRunner({
      template,
      logicalIdPrefix: 'OptimizeFlow',
      taskHandlers: {
        [OPTIMIZE_STATES.prepare]: timed(OPTIMIZE_STATES.prepare, scaleOut[OPTIMIZE_STATES.prepare]),
        [OPTIMIZE_STATES.coordinate]: timed(OPTIMIZE_STATES.coordinate, scaleOut[OPTIMIZE_STATES.coordinate]),
        [OPTIMIZE_STATES.persist]: timed(
          OPTIMIZE_STATES.persist,
          optimizeStepHandlers(main.optimize)[OPTIMIZE_STATES.persist],
        ),
        [OPTIMIZE_STATES.solveBatch]: async (event: unknown) => {
          const { result, invocationMs } = await pool.run(event);
          invocations.push({ invocationMs, solveMs: result.solveMs });
          return result;
        },
        [OPTIMIZE_STATES.startSwitch]: async (parameters: { Name: string }) => ({
          ExecutionArn: `arn:aws:states:local:execution:SwitchFlow:${parameters.Name}`,
        }),
      },
    });
    const mapStarted = performance.now();
    const execution = await runner.start({}, { executionName: `map-${runSites}` });
    const mapWallMs = performance.now() - mapStarted;
    await pool.stop();
    const intervals = (await main.deps.plans.loadCurrent())?.sites[0]?.intervals.length ?? 0;
    if (execution.status !== 'SUCCEEDED')
      throw new Error(`Map run for ${runSites} sites: ${JSON.stringify(execution)}`);

    return { oneLambdaMs, mapWallMs, invocations, stepMs, intervals };
  }
  try {
    for (const n of options.siteCounts) {
      const runSites = Math.min(n, options.maxRunSites);
      const scale = n / runSites;
      const run = runs.get(runSites) ?? (await measureRun(runSites));
      runs.set(runSites, run);
      const { oneLambdaMs, mapWallMs, invocations, stepMs, intervals } = run;

      // The first invocation of each worker loads HiGHS (the local cold start); the distribution is of warm ones.
      const warm = invocations.slice(options.workers);
      const warmMs = warm.map((i) => i.invocationMs);
      const firstCallExtraMs =
        Math.max(...invocations.slice(0, options.workers).map((i) => i.invocationMs)) - percentile(warmMs, 50);
      const modelled = warmMs.length > 0 ? warmMs : invocations.map((i) => i.invocationMs);
      const prepareMs = stepMs[OPTIMIZE_STATES.prepare]?.[0] ?? 0;
      const coordinateMs = percentile(stepMs[OPTIMIZE_STATES.coordinate] ?? [], 50);
      const persistMs = stepMs[OPTIMIZE_STATES.persist]?.[0] ?? 0;
      const model = MODEL_ASSUMPTIONS.rounds.flatMap((rounds) =>
        MODEL_ASSUMPTIONS.concurrency.map((concurrency) => ({
          rounds,
          concurrency,
          makespanMs: Math.round(
            modelMakespanMs({
              invocationMs: Array.from({ length: n }, (_, i) => modelled[i % modelled.length]!),
              concurrency,
              rounds,
              coldStartMs: MODEL_ASSUMPTIONS.coldStartMs,
              prepareMs,
              coordinateMs,
              transitionMs: MODEL_ASSUMPTIONS.transitionMs,
            }) + persistMs,
          ),
        })),
      );
      // Billed GB-s of one uncapped dispatch (one round): each invocation's measured duration × its configured memory.
      const gbS = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
      const solveGbS = warmMs.reduce((a, ms) => a + gbS(ms, OPTIMIZE_MEMORY_MB.solveSites), 0) * (n / warmMs.length);
      const gbSeconds = {
        map: Number(
          (
            solveGbS +
            gbS(prepareMs, OPTIMIZE_MEMORY_MB.prepare) +
            gbS(coordinateMs, OPTIMIZE_MEMORY_MB.coordinate) +
            gbS(persistMs, OPTIMIZE_MEMORY_MB.persist)
          ).toFixed(2),
        ),
        oneLambda: Number(gbS(oneLambdaMs * scale, OPTIMIZE_MEMORY_MB.solveSites).toFixed(2)),
      };
      const row = {
        sites: n,
        ...(runSites < n
          ? {
              sampledSites: runSites,
              scaledBy: `walls measured on ${runSites} sites × ${scale}; per-site times of the sample`,
            }
          : {}),
        planIntervals: intervals,
        perSiteSolveMs: {
          p50: round1(
            percentile(
              warm.map((i) => i.solveMs),
              50,
            ),
          ),
          p95: round1(
            percentile(
              warm.map((i) => i.solveMs),
              95,
            ),
          ),
        },
        perInvocationMs: { p50: round1(percentile(warmMs, 50)), p95: round1(percentile(warmMs, 95)) },
        firstCallExtraMs: Math.round(firstCallExtraMs),
        oneLambdaWallMs: Math.round(oneLambdaMs * scale),
        mapWallMs2Workers: Math.round(mapWallMs * scale),
        steps: {
          prepareMs: Math.round(prepareMs),
          coordinateMs: Math.round(coordinateMs),
          persistMs: Math.round(persistMs),
        },
        modelMakespanMs: model,
        lambdaGbSecondsPerDispatch: gbSeconds,
      };
      console.error(
        `  scale-out ${n} sites: one Lambda ${row.oneLambdaWallMs} ms, Map (2 workers) ${row.mapWallMs2Workers} ms, ` +
          `per-site solve p50 ${row.perSiteSolveMs.p50} ms p95 ${row.perSiteSolveMs.p95} ms`,
      );
      results.push(row);
    }
  } finally {
    client.destroy();
    admin.destroy();
    await dynamo.stop();
  }
  return {
    bench: 'optimizer-scale-out',
    workers: options.workers,
    memoryMb: OPTIMIZE_MEMORY_MB,
    model: {
      kind: 'model, not a measurement',
      rule: "each round list-schedules the measured warm per-invocation durations onto N Lambdas; +cold start on each Lambda's first invocation; + prepare, coordinate per round, persist (measured locally)",
      ...MODEL_ASSUMPTIONS,
    },
    results,
  };
}
