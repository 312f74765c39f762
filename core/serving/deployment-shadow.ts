import { z } from 'zod';
import { modelVersionSchema } from '../gpu/model-catalog.js';
import { idSchema } from '../support/schema.js';
import { parseWith } from '../support/validation.js';
import type { ReplicaState } from './node-agent.js';

/**
 * How a pool's deployment reaches its site's gateway and how the gateway answers, in the site-configuration named
 * shadow (core/fleet/gateway-config-shadow.ts) beside the gateway configuration, so it needs no other grant or topic:
 *
 * desired.deployments.<poolId>  = "<PoolDeploymentDesired as JSON text>", written by the cloud on each change;
 * reported.deployments.<poolId> = PoolServingState, written by the GpuWorker as its replicas change.
 *
 * One field per pool: the service merges an update field by field, so two pools' changes never overwrite each
 * other, and each pool's desired state changes whole (text, as the gateway configuration). It carries the catalog
 * entry, since the gateway has no catalog of its own: what it loads (weights, warm-up, engine) is what the cloud
 * validated. A registry change does not touch it, so a rollout never restarts the worker.
 */
export const poolDeploymentDesiredSchema = z.object({
  poolId: idSchema,
  entry: modelVersionSchema,
  updatedAt: z.string(),
});
export type PoolDeploymentDesired = z.infer<typeof poolDeploymentDesiredSchema>;

/** The shadow update that sets one pool's desired deployment (UpdateThingShadow payload). */
export function deploymentShadowUpdate(desired: PoolDeploymentDesired): {
  state: { desired: { deployments: Record<string, string> } };
} {
  return { state: { desired: { deployments: { [desired.poolId]: JSON.stringify(desired) } } } };
}

/**
 * The pools' desired deployments in a desired section (a /get/accepted `state.desired`); a pool whose entry does not
 * parse is left out, with its issue, so one bad pool does not stop the others.
 */
export function readDesiredDeployments(desired: unknown): {
  deployments: PoolDeploymentDesired[];
  refused: Array<{ poolId: string; field: string; message: string }>;
} {
  const section = (desired as { deployments?: unknown } | null | undefined)?.deployments;
  const deployments: PoolDeploymentDesired[] = [];
  const refused: Array<{ poolId: string; field: string; message: string }> = [];
  if (typeof section !== 'object' || section === null) return { deployments, refused };
  for (const [poolId, text] of Object.entries(section)) {
    let json: unknown;
    try {
      json = typeof text === 'string' ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const parsed = parseWith(poolDeploymentDesiredSchema, json);
    if (parsed.ok && parsed.value.poolId === poolId) deployments.push(parsed.value);
    else refused.push({ poolId, field: parsed.ok ? 'poolId' : parsed.issues[0]!.field, message: 'not a deployment' });
  }
  return { deployments, refused };
}

const countsSchema = z.object({
  version: z.string(),
  loading: z.number().int().min(0),
  warming: z.number().int().min(0),
  ready: z.number().int().min(0),
  draining: z.number().int().min(0),
});
export type ReplicaCounts = z.infer<typeof countsSchema>;

/** What a pool serves now, as its GpuWorker reports it: replicas by version and state, and the warm-ups it booked. */
export const poolServingStateSchema = z.object({
  modelId: z.string(),
  /** The version the pool reconciles toward. */
  version: z.string(),
  /**
   * Replicas of each version present, by state (a rollout shows the old version draining, the new one warming). A
   * list, not a map by version: the shadow merges maps key by key, so a version gone would stay in a map.
   */
  replicas: z.array(countsSchema),
  /** Warm-ups started since the worker started, charged to the plan interval each started in. */
  warmups: z.number().int().min(0),
  warmupEnergyKwh: z.number().min(0),
  warmupCostUsd: z.number().min(0),
  reportedAt: z.string(),
});
export type PoolServingState = z.infer<typeof poolServingStateSchema>;

/** The pools' serving state in a reported section; pools that do not parse are left out. */
export function readReportedServing(reported: unknown): Record<string, PoolServingState> {
  const section = (reported as { deployments?: unknown } | null | undefined)?.deployments;
  if (typeof section !== 'object' || section === null) return {};
  return Object.fromEntries(
    Object.entries(section).flatMap(([poolId, state]) => {
      const parsed = poolServingStateSchema.safeParse(state);
      return parsed.success ? [[poolId, parsed.data]] : [];
    }),
  );
}

/** Replica counts by version and state, versions in the order first seen. */
export function countReplicas(
  replicas: ReadonlyArray<{ readonly version: string; readonly state: ReplicaState }>,
): ReplicaCounts[] {
  const counts = new Map<string, ReplicaCounts>();
  for (const r of replicas) {
    const c = counts.get(r.version) ?? { version: r.version, loading: 0, warming: 0, ready: 0, draining: 0 };
    counts.set(r.version, { ...c, [r.state]: c[r.state] + 1 });
  }
  return [...counts.values()];
}
