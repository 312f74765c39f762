import { quantile, sortedCopy } from '../../core/synthetic/stats.js';

/**
 * An open-loop load schedule: request i is sent at start + i / rate whatever earlier requests are doing, so a slow
 * answer does not slow the senders and latency includes any queueing it causes (a closed loop would hide it). Shared
 * by the rate-limit reliability test and `npm run bench:api-load`.
 */

export interface Answer {
  /** HTTP status; 0 when the request failed without one (connection refused, reset). */
  readonly status: number;
}

export type Sample<T extends Answer> = T & {
  /** Request index in the schedule. */
  readonly index: number;
  readonly sentAtMs: number;
  readonly latencyMs: number;
  /** The request's failure when there was no HTTP answer. */
  readonly error?: string;
};

export interface OpenLoopOptions<T extends Answer> {
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly send: (index: number) => Promise<T>;
  /** Called every `progressEveryMs` of the schedule with the samples answered so far. */
  readonly onProgress?: (elapsedMs: number, sent: number, answered: readonly Sample<T>[]) => void;
  /** @default 10 s */
  readonly progressEveryMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the schedule and resolves once every request has been answered (or failed). */
export async function openLoop<T extends Answer>(options: OpenLoopOptions<T>): Promise<Sample<T>[]> {
  const count = Math.round((options.ratePerS * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerS;
  const progressEveryMs = options.progressEveryMs ?? 10_000;
  const answered: Sample<T>[] = [];
  const pending: Promise<void>[] = [];
  const startMs = performance.now();
  let nextProgressMs = progressEveryMs;
  for (let index = 0; index < count; index += 1) {
    const dueMs = index * intervalMs;
    const waitMs = startMs + dueMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    if (options.onProgress && dueMs >= nextProgressMs) {
      options.onProgress(nextProgressMs, index, answered);
      nextProgressMs += progressEveryMs;
    }
    const sentAtMs = performance.now();
    const record = (answer: T | Answer, error?: string) =>
      answered.push({
        ...(answer as T),
        index,
        sentAtMs: sentAtMs - startMs,
        latencyMs: performance.now() - sentAtMs,
        ...(error ? { error } : {}),
      });
    pending.push(
      options.send(index).then(
        (answer) => void record(answer),
        (error: unknown) => void record({ status: 0 }, (error as Error).message ?? String(error)),
      ),
    );
  }
  await Promise.all(pending);
  return answered.sort((a, b) => a.index - b.index);
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const round = (ms: number) => Number(ms.toFixed(2));

export function latencySummary(samples: readonly { readonly latencyMs: number }[]): LatencySummary {
  const sorted = sortedCopy(samples.map((s) => s.latencyMs));
  return {
    count: sorted.length,
    p50Ms: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Runs several open loops at once (tenants sending side by side) and returns each one's samples. */
export function openLoops<T extends Answer>(loops: Record<string, OpenLoopOptions<T>>) {
  return Promise.all(
    Object.entries(loops).map(async ([name, options]) => [name, await openLoop(options)] as const),
  ).then((entries) => Object.fromEntries(entries) as Record<string, Sample<T>[]>);
}
