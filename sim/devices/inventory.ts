import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import type { Site } from '../../core/model/site.js';
import { type AsicRecord, type GpuRecord, generateSiteInventory } from '../../core/synthetic/resources.js';

/**
 * The devices the simulator brings up, taken from the shared seeded site inventory (core/synthetic/resources.ts), so
 * a virtual miner's serial, MAC and LAN address are the ones in the generated asset lists for the same seed.
 */
export interface AsicInventoryItem {
  readonly id: string;
  readonly siteId: string;
  readonly groupId: string;
  readonly model: string;
  readonly serial: string;
  readonly mac: string;
  readonly lanIp: string;
  readonly hostname: string;
  /** LuxOS release, e.g. `2025.1.28.200617`. */
  readonly firmware: string;
  readonly container: string;
  readonly rack: string;
  readonly slot: number;
}

export interface GpuInventoryItem {
  readonly index: number;
  readonly uuid: string;
  readonly serial: string;
  readonly pciBusId: string;
}

export interface GpuNodeInventoryItem {
  readonly id: string;
  readonly siteId: string;
  readonly poolId: string;
  readonly model: string;
  readonly hostname: string;
  readonly mac: string;
  readonly lanIp: string;
  readonly driverVersion: string;
  readonly gpus: readonly GpuInventoryItem[];
}

/** GPUs on an HGX baseboard, the node size the shared inventory uses. */
export const MAX_GPUS_PER_NODE = 8;
/** SXM boards of an HGX baseboard sit on these PCI buses (nvidia-smi `pci.bus_id` of a DGX H100). */
const HGX_BUSES = ['18', '2A', '3A', '5D', '9A', 'AB', 'BA', 'DB'];

/**
 * `count` miners of a site, split across its ASIC groups in proportion to their unit counts; each group contributes
 * its first devices of the shared inventory. The same site, count and seed always give the same list.
 */
export function asicInventory(site: Site, count: number, seed: number): AsicInventoryItem[] {
  const perGroup = proportionalSplit(
    site.asicGroups.map((g) => g.unitCount),
    count,
  );
  const inventory = generateSiteInventory(site, siteIndexOf(site), seed, {
    maxDevicesPerGroup: Math.max(0, ...perGroup),
  });
  return site.asicGroups.flatMap((group, g) =>
    inventory.asics
      .filter((a) => a.groupId === group.id)
      .slice(0, perGroup[g])
      .map(toAsicItem),
  );
}

/** `nodes` GPU nodes of a site, split across its pools in proportion to their GPU counts, `gpusPerNode` GPUs each. */
export function gpuNodeInventory(site: Site, nodes: number, gpusPerNode: number, seed: number): GpuNodeInventoryItem[] {
  if (gpusPerNode < 1 || gpusPerNode > MAX_GPUS_PER_NODE) {
    throw new RangeError(`gpusPerNode must be 1..${MAX_GPUS_PER_NODE}, got ${gpusPerNode}`);
  }
  const perPool = proportionalSplit(
    site.gpuPools.map((p) => p.count),
    nodes,
  );
  const inventory = generateSiteInventory(site, siteIndexOf(site), seed, {
    maxDevicesPerGroup: Math.max(0, ...perPool) * MAX_GPUS_PER_NODE,
  });
  return site.gpuPools.flatMap((pool, p) => {
    const byNode = new Map<string, GpuRecord[]>();
    for (const gpu of inventory.gpus) {
      if (gpu.poolId !== pool.id) continue;
      const list = byNode.get(gpu.nodeId) ?? [];
      list.push(gpu);
      byNode.set(gpu.nodeId, list);
    }
    return [...byNode.values()].slice(0, perPool[p]).map((gpus) => toGpuNodeItem(gpus.slice(0, gpusPerNode)));
  });
}

/** Largest-remainder split of `total` by weight: deterministic, sums exactly to `total`. */
export function proportionalSplit(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  const left = total - counts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < left; k++) counts[byRemainder[k]!.i]! += 1;
  return counts;
}

/** The site's position in the addressing plan: its index in the reference fleet, else 0. */
function siteIndexOf(site: Site): number {
  return Math.max(
    0,
    referenceFleet.sites.findIndex((s) => s.id === site.id),
  );
}

function toAsicItem(record: AsicRecord): AsicInventoryItem {
  return {
    id: record.deviceId,
    siteId: record.siteId,
    groupId: record.groupId,
    model: record.model,
    serial: record.serial,
    mac: record.macAddress,
    lanIp: record.ipAddress,
    hostname: `${record.rack}-s${String(record.slot).padStart(2, '0')}`,
    firmware: record.firmware.replace(/^LuxOS\s+/, ''),
    container: record.container,
    rack: record.rack,
    slot: record.slot,
  };
}

function toGpuNodeItem(gpus: readonly GpuRecord[]): GpuNodeInventoryItem {
  const first = gpus[0]!;
  return {
    id: first.nodeId,
    siteId: first.siteId,
    poolId: first.poolId,
    model: first.model,
    hostname: first.nodeId,
    mac: first.macAddress,
    lanIp: first.ipAddress,
    driverVersion: first.driverVersion,
    gpus: gpus.map((gpu) => ({
      index: gpu.gpuIndex,
      uuid: gpu.uuid,
      serial: gpu.serial,
      pciBusId: `00000000:${HGX_BUSES[gpu.gpuIndex % HGX_BUSES.length]}:00.0`,
    })),
  };
}
