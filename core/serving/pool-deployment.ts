import { z } from 'zod';
import { catalogEntry, type ModelVersion } from '../gpu/model-catalog.js';
import { gpuHardware, tensorParallelToFit } from '../gpu/models.js';
import { idSchema, siteIdSchema } from '../support/schema.js';
import type { FieldIssue } from '../support/validation.js';
import { poolServingStateSchema } from './deployment-shadow.js';

/**
 * Which catalog version a GPU pool serves: what the site's ModelPool reconciles toward (a rolling upgrade when the
 * version changes). One per pool for now.
 */
export const poolDeploymentBodySchema = z.strictObject({
  modelId: z.string().min(3).max(128),
  version: z.string().min(1).max(64),
});
export type PoolDeploymentBody = z.infer<typeof poolDeploymentBodySchema>;

export const poolDeploymentPathSchema = z.strictObject({ siteId: siteIdSchema, poolId: idSchema });
export const siteDeploymentsPathSchema = z.strictObject({ siteId: siteIdSchema });

export const poolDeploymentSchema = poolDeploymentBodySchema.extend({
  siteId: siteIdSchema,
  poolId: idSchema,
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type PoolDeployment = z.infer<typeof poolDeploymentSchema>;
/** A deployment with what the site's gateway last reported of it (null before its first report). */
export const poolDeploymentStatusSchema = poolDeploymentSchema.extend({ serving: poolServingStateSchema.nullable() });
export const poolDeploymentListSchema = z.object({ deployments: z.array(poolDeploymentStatusSchema) });

/**
 * The rules a deployment must keep, each naming its field: the version is in the catalog, the catalog has a
 * throughput figure for the pool's GPU, and the weights fit a tensor-parallel group of it.
 */
export function poolDeploymentViolations(
  catalog: readonly ModelVersion[],
  poolGpuModel: string,
  body: PoolDeploymentBody,
): FieldIssue[] {
  if (!catalogEntry(catalog, body.modelId)) {
    return [{ field: 'modelId', rule: 'unknown_model', message: `${body.modelId} is not in the model catalog` }];
  }
  const entry = catalogEntry(catalog, body.modelId, body.version);
  if (!entry) {
    return [{ field: 'version', rule: 'unknown_version', message: `${body.modelId} has no version ${body.version}` }];
  }
  if (entry.tokensPerSecPerGpu[poolGpuModel] === undefined) {
    return [
      {
        field: 'modelId',
        rule: 'no_throughput_figure',
        message: `no tokens/s figure for ${poolGpuModel} in the catalog`,
      },
    ];
  }
  const memoryGb = gpuHardware[poolGpuModel]?.memoryGb ?? 0;
  const fits = tensorParallelToFit({ weightsGb: entry.gpuMemoryGb, activeParamsB: entry.activeParamsB }, memoryGb);
  return fits === undefined
    ? [{ field: 'modelId', rule: 'does_not_fit', message: `its weights fit no group of ${poolGpuModel}` }]
    : [];
}
