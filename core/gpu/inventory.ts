import type { Site } from '../model/site.js';

/**
 * The GPU nodes of the fleet and whether each takes work. `cordoned`: no new work, running work finishes; `draining`:
 * no new work and running work is moved off (the worker preempts it). Who cordoned a node is kept, so a node the
 * health check cordoned comes back when it is healthy again while an operator's cordon stays until lifted.
 */
export type NodeSchedulingState = 'active' | 'cordoned' | 'draining';
export type CordonSource = 'operator' | 'health';

export interface GpuNodeRecord {
  readonly nodeId: string;
  readonly siteId: string;
  readonly poolId: string;
  readonly gpuCount: number;
  readonly state: NodeSchedulingState;
  readonly cordonedBy?: CordonSource;
  readonly reason?: string;
}

export interface GpuInventory {
  readonly nodes: readonly GpuNodeRecord[];
}

export type InventoryResult =
  | { readonly ok: true; readonly inventory: GpuInventory }
  | { readonly ok: false; readonly error: 'unknown-node'; readonly nodeId: string };

/** GPUs on an HGX baseboard. */
export const GPUS_PER_NODE = 8;

/** One record per node of every pool of the site, all active: `nodeId` is `<poolId>-n<index>`. */
export function inventoryFromSite(site: Site, gpusPerNode = GPUS_PER_NODE): GpuInventory {
  return {
    nodes: site.gpuPools.flatMap((pool) =>
      Array.from({ length: Math.ceil(pool.count / gpusPerNode) }, (_, i) => ({
        nodeId: `${pool.id}-n${String(i + 1).padStart(3, '0')}`,
        siteId: site.id,
        poolId: pool.id,
        gpuCount: Math.min(gpusPerNode, pool.count - i * gpusPerNode),
        state: 'active' as const,
      })),
    ),
  };
}

function setState(
  inventory: GpuInventory,
  nodeId: string,
  change: (node: GpuNodeRecord) => GpuNodeRecord,
): InventoryResult {
  if (!inventory.nodes.some((n) => n.nodeId === nodeId)) return { ok: false, error: 'unknown-node', nodeId };
  return { ok: true, inventory: { nodes: inventory.nodes.map((n) => (n.nodeId === nodeId ? change(n) : n)) } };
}

export function cordonNode(
  inventory: GpuInventory,
  nodeId: string,
  reason: string,
  by: CordonSource = 'operator',
): InventoryResult {
  // A draining node stays draining: cordoning is the weaker of the two.
  return setState(inventory, nodeId, (n) =>
    n.state === 'draining' ? n : { ...n, state: 'cordoned', cordonedBy: by, reason },
  );
}

export function drainNode(
  inventory: GpuInventory,
  nodeId: string,
  reason: string,
  by: CordonSource = 'operator',
): InventoryResult {
  return setState(inventory, nodeId, (n) => ({ ...n, state: 'draining', cordonedBy: by, reason }));
}

export function uncordonNode(inventory: GpuInventory, nodeId: string): InventoryResult {
  return setState(inventory, nodeId, ({ cordonedBy: _by, reason: _reason, ...n }) => ({ ...n, state: 'active' }));
}

export function isSchedulable(node: GpuNodeRecord): boolean {
  return node.state === 'active';
}

/** GPUs of a pool that may take new work. */
export function schedulableGpus(inventory: GpuInventory, siteId: string, poolId: string): number {
  return inventory.nodes
    .filter((n) => n.siteId === siteId && n.poolId === poolId && isSchedulable(n))
    .reduce((sum, n) => sum + n.gpuCount, 0);
}
