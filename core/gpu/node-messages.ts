import { z } from 'zod';
import { siteTopicPattern } from '../messages/topics.js';
import type { Site } from '../model/site.js';
import { idSchema, isoInstantSchema, siteIdSchema } from '../support/schema.js';
import type { GpuInventory, GpuNodeRecord } from './inventory.js';

/**
 * The GPU cluster's two site messages. Site → cloud on `gpu-nodes` (QoS 0, every few seconds and on change): each node's
 * inventory, scheduling state and health, the whole site in one message so the latest one is the truth. Cloud → site
 * on `gpu-node-commands` (QoS 1): an operator's cordon, drain or uncordon of one node.
 */
export function gpuNodesTopic(siteId: string): string {
  return siteTopicPattern(siteIdSchema.parse(siteId), 'gpu-nodes');
}
export function gpuNodeCommandsTopic(siteId: string): string {
  return siteTopicPattern(siteIdSchema.parse(siteId), 'gpu-node-commands');
}

const nodeIdSchema = z.string().min(1).max(128);

export const healthFindingSchema = z.object({
  gpu: z.number().int().nonnegative(),
  severity: z.enum(['degraded', 'unhealthy']),
  kind: z.enum(['temperature', 'ecc-double-bit', 'ecc-single-bit', 'xid']),
  detail: z.string().max(500),
});

export const gpuNodeStatusSchema = z.object({
  nodeId: nodeIdSchema,
  poolId: idSchema,
  /** The model the node's inference server serves (its warm placement). */
  modelId: z.string().min(1).max(128),
  /** 8 on an HGX board; the local platform's virtual nodes each stand for a share of a site's pool (up to 1,024). */
  gpuCount: z.number().int().min(1).max(1024),
  state: z.enum(['active', 'cordoned', 'draining']),
  cordonedBy: z.enum(['operator', 'health']).optional(),
  reason: z.string().max(1000).optional(),
  /** `unknown` until the node's exporter first answers. */
  health: z.enum(['healthy', 'degraded', 'unhealthy', 'unknown']),
  findings: z.array(healthFindingSchema).max(256),
  runningJobs: z.number().int().nonnegative(),
  /** When the node's exporter last answered; absent when it never has. */
  lastSeenAt: isoInstantSchema.optional(),
});
export type GpuNodeStatus = z.infer<typeof gpuNodeStatusSchema>;

export const gpuNodeReportSchema = z.object({
  siteId: siteIdSchema,
  reportedAt: isoInstantSchema,
  nodes: z.array(gpuNodeStatusSchema).max(1000),
});
export type GpuNodeReport = z.infer<typeof gpuNodeReportSchema>;

export const GPU_NODE_ACTIONS = ['cordon', 'drain', 'uncordon'] as const;
export type GpuNodeAction = (typeof GPU_NODE_ACTIONS)[number];

export const gpuNodeCommandSchema = z.strictObject({
  commandId: z.uuid(),
  siteId: siteIdSchema,
  nodeId: nodeIdSchema,
  action: z.enum(GPU_NODE_ACTIONS),
  issuedAt: isoInstantSchema,
  reason: z.string().min(1).max(500),
  /** The operator's principal id, for the node's record. */
  by: z.string().min(1).max(256),
});
export type GpuNodeCommand = z.infer<typeof gpuNodeCommandSchema>;

/** The API's view: the latest report of a site, with when the cloud received it. */
export const gpuNodeListSchema = z.object({
  siteId: siteIdSchema,
  reportedAt: isoInstantSchema.nullable(),
  receivedAt: isoInstantSchema.nullable(),
  nodes: z.array(gpuNodeStatusSchema),
});
export type GpuNodeList = z.infer<typeof gpuNodeListSchema>;

export const gpuNodeActionPathSchema = z.strictObject({
  siteId: siteIdSchema,
  nodeId: nodeIdSchema,
  action: z.enum(GPU_NODE_ACTIONS),
});
export const gpuNodeActionBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const gpuNodeCommandAcceptedSchema = z.object({ command: gpuNodeCommandSchema });

/**
 * The inventory the optimizer plans from: the report's nodes plus, per pool, one active record for the GPUs the report
 * does not cover (nodes without a worker, or a site not reporting), so only what is known to be cordoned, draining or
 * missing from service is taken out.
 */
export function inventoryForOptimizer(site: Site, report: GpuNodeReport | undefined): GpuInventory {
  const reported: GpuNodeRecord[] = (report?.siteId === site.id ? report.nodes : []).map((n) => ({
    nodeId: n.nodeId,
    siteId: site.id,
    poolId: n.poolId,
    gpuCount: n.gpuCount,
    state: n.state,
  }));
  const unreported = site.gpuPools.flatMap((pool) => {
    const covered = reported.filter((n) => n.poolId === pool.id).reduce((sum, n) => sum + n.gpuCount, 0);
    const rest = pool.count - covered;
    return rest > 0
      ? [
          {
            nodeId: `${pool.id}-unreported`,
            siteId: site.id,
            poolId: pool.id,
            gpuCount: rest,
            state: 'active' as const,
          },
        ]
      : [];
  });
  return { nodes: [...reported, ...unreported] };
}
