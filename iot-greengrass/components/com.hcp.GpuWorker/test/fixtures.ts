import type { SiteJob } from '../../../../core/routing/site-messages.js';
import type { WorkerNode } from '../src/config.js';

/** Shared by the unit tests of the worker's parts: one pool, one model, 8-GPU nodes with four slots each. */
export const T0 = Date.parse('2026-03-02T12:00:00Z');
export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
export const POOL = 'west-h100-a';

export const workerNode = (nodeId: string, overrides: Partial<WorkerNode> = {}): WorkerNode => ({
  nodeId,
  poolId: POOL,
  gpuCount: 8,
  inferenceUrl: `http://${nodeId}:8000`,
  metricsUrl: `http://${nodeId}:9400/metrics`,
  modelId: MODEL,
  maxConcurrentJobs: 4,
  ...overrides,
});

export const siteJob = (jobId: string, overrides: Partial<SiteJob> = {}): SiteJob => ({
  jobId,
  attempt: 1,
  tenantId: 'tenant-a',
  tier: 'flex',
  modelId: MODEL,
  poolId: POOL,
  inputTokens: 100,
  outputTokens: 50,
  deadline: new Date(T0 + 3_600_000).toISOString(),
  ...overrides,
});
