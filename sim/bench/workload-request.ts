import type { WorkloadRequest } from '../../core/model/workload.js';

/** The workload the API benchmarks submit: a flex 70B job with a deadline far enough ahead to be accepted. */
export const benchWorkloadRequest = (): WorkloadRequest => ({
  modelId: 'meta-llama/Llama-3.1-70B-Instruct',
  inputTokens: 2000,
  outputTokens: 500,
  tier: 'flex',
  deadline: '2030-01-01T00:00:00Z',
  maxPriceUsd: 0.5,
});
