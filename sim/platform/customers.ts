import type { WorkloadRequest } from '../../core/model/workload.js';
import { type Rng, seededRng, uniformInt } from '../../core/support/random.js';
import { poissonArrivals } from './poisson-arrivals.js';
import type { SimClock } from './sim-clock.js';

export interface SimulatedCustomersOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly clock: SimClock;
  /** Mean submissions per simulated hour (Poisson arrivals). */
  readonly workloadsPerHour: number;
  /** Open models the fleet serves. */
  readonly modelIds: readonly string[];
  readonly seed: number;
  readonly onSubmitted?: (result: { status: number; workloadId?: string; error?: string }) => void;
}

export interface RunningCustomers {
  readonly counts: { submitted: number; accepted: number; refused: number };
  stop(): void;
}

/**
 * One seeded request: a batch job (tens to hundreds of thousands of tokens: enough work that the optimizer finds
 * powering GPUs for it worth more than mining with the power), a model the fleet serves, a tier, a deadline an hour
 * out in API (wall) time.
 */
export function sampleWorkload(rng: Rng, modelIds: readonly string[], nowRealMs: number): WorkloadRequest {
  const outputTokens = uniformInt(rng, 20_000, 400_000);
  const guaranteed = rng.next() < 0.3;
  return {
    modelId: modelIds[uniformInt(rng, 0, modelIds.length - 1)]!,
    inputTokens: uniformInt(rng, 1_000, 50_000),
    outputTokens,
    tier: guaranteed ? 'guaranteed' : 'flex',
    deadline: new Date(nowRealMs + 3_600_000).toISOString(),
    maxPriceUsd: Math.max(0.01, Math.round(outputTokens * (guaranteed ? 4e-5 : 2e-5) * 100) / 100),
  };
}

/**
 * Customers of the demo tenant submitting workloads through the real API, the way a client would: `x-api-key`, an
 * `Idempotency-Key` per submission, arrivals spaced by exponential gaps on the simulated clock.
 */
export function startSimulatedCustomers(options: SimulatedCustomersOptions): RunningCustomers {
  const rng = seededRng(options.seed);
  const counts = { submitted: 0, accepted: 0, refused: 0 };
  const submit = async () => {
    const body = sampleWorkload(rng, options.modelIds, options.clock.nowMs());
    counts.submitted += 1;
    try {
      const response = await fetch(`${options.apiUrl}/v1/workloads`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': options.apiKey,
          'idempotency-key': `sim-${options.seed}-${counts.submitted}-${Date.now()}`,
        },
        body: JSON.stringify(body),
      });
      const json = (await response.json().catch(() => ({}))) as { id?: string; error?: { message?: string } };
      if (response.ok) counts.accepted += 1;
      else counts.refused += 1;
      options.onSubmitted?.({
        status: response.status,
        ...(json.id ? { workloadId: json.id } : {}),
        ...(json.error?.message ? { error: json.error.message } : {}),
      });
    } catch (error) {
      counts.refused += 1;
      options.onSubmitted?.({ status: 0, error: (error as Error).message });
    }
  };
  const stop = poissonArrivals(options.clock, rng, options.workloadsPerHour, submit);
  return {
    counts,
    stop,
  };
}
