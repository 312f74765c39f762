import { z } from 'zod';
import { idSchema, siteIdSchema } from '../../../../core/support/schema.js';

/** One GPU node as the worker drives it: an inference server serving one model, and its metrics endpoint. */
export const workerNodeSchema = z.strictObject({
  nodeId: z.string().min(1).max(128),
  poolId: idSchema,
  gpuCount: z.number().int().min(1).max(8),
  /** OpenAI-compatible server (vLLM, TGI), e.g. http://10.0.4.17:8000. */
  inferenceUrl: z.url(),
  /** dcgm-exporter, e.g. http://10.0.4.17:9400/metrics. */
  metricsUrl: z.url(),
  modelId: z.string().min(1).max(128),
  /** Sequences in flight on the node at once (vLLM `max_num_seqs` or less). */
  maxConcurrentJobs: z.number().int().positive().max(1024).default(64),
});
export type WorkerNode = z.infer<typeof workerNodeSchema>;
export type WorkerNodeInput = z.input<typeof workerNodeSchema>;

/**
 * The GpuWorker's own settings: the recipe's DefaultConfiguration merged with the deployment's, parsed at start-up.
 * No site data: the nodes, their pools and models come from the site configuration (site-nodes.ts).
 */
export const gpuWorkerConfigSchema = z.strictObject({
  siteId: siteIdSchema,
  /** Where each node's dcgm-exporter listens. @default 9400 */
  metricsPort: z.number().int().positive().max(65535).default(9400),
  maxConcurrentJobsPerNode: z.number().int().positive().max(1024).default(64),
  api: z.enum(['completions', 'chat']).default('completions'),
  /** How often node power is sampled for energy attribution. */
  powerSampleMs: z.number().int().positive().default(1000),
  /** How often capacity, deadlines, retries and the queue are evaluated. */
  tickMs: z.number().int().positive().default(250),
  /** How often each node's GPU health (temperature, ECC, XID) is read from its dcgm-exporter. */
  healthSampleMs: z.number().int().positive().default(5000),
  /** The nodes' inventory and health go to `gpu-nodes` on every change and at least this often. */
  inventoryReportMs: z.number().int().positive().default(10000),
});
export type GpuWorkerConfig = z.infer<typeof gpuWorkerConfigSchema>;
