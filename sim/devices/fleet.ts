import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import type { Site } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import type { MinerPhysicsOptions } from './asic/physics.js';
import {
  startVirtualBraiinsMiner,
  startVirtualMiner,
  type VirtualBraiinsMiner,
  type VirtualMiner,
} from './asic/virtual-miner.js';
import { GpuNode } from './gpu/gpu-node.js';
import { type GpuNodeServer, startGpuNodeServer } from './gpu/http-api.js';
import { asicInventory, gpuNodeInventory } from './inventory.js';

export interface VirtualFleetOptions {
  readonly asics: number;
  readonly gpuNodes: number;
  readonly seed: number;
  readonly clock: Clock;
  /** A site or a reference-fleet site id. @default the first reference-fleet site (site-west-1) */
  readonly site?: Site | string;
  /** @default 8 (an HGX board) */
  readonly gpusPerNode?: number;
  /**
   * `ports`: every device on 127.0.0.1 with its own port. `loopback`: every miner on its own 127.x.y.z address at
   * port 4028 (Linux routes all of 127.0.0.0/8 to lo), as on a real site LAN; up to 62,250 miners per site.
   * @default 'ports'
   */
  readonly addressing?: 'ports' | 'loopback';
  /** Physics overrides for every miner (failure rate, ambient, noise…). */
  readonly minerPhysics?: Partial<Omit<MinerPhysicsOptions, 'profiles'>>;
  /** How often GPU nodes advance on their own so blocking completions return; 0 when the caller ticks. @default 100 */
  readonly gpuAutoTickMs?: number;
  /**
   * Each ASIC group's firmware, as its site configuration's `driver` names it: `luxos` (the default) and `cgminer`
   * (stock, no curtail) on the cgminer API over TCP, `braiins` on the Braiins OS+ API over HTTP (always on a port of
   * 127.0.0.1, whatever `addressing` says).
   */
  readonly firmwareByGroup?: Readonly<Record<string, 'luxos' | 'braiins' | 'cgminer'>>;
}

export interface DeviceEndpoint {
  readonly kind: 'asic' | 'gpu';
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: 'cgminer-luxos-tcp' | 'cgminer-tcp' | 'braiins-http' | 'http';
  readonly siteId: string;
  /** The AsicGroup or GpuPool id of core's site model. */
  readonly groupId: string;
  readonly model: string;
}

export interface VirtualFleet {
  readonly endpoints: readonly DeviceEndpoint[];
  readonly miners: readonly VirtualMiner[];
  /** Braiins OS+ miners of the groups `firmwareByGroup` names `braiins`. */
  readonly braiinsMiners: readonly VirtualBraiinsMiner[];
  readonly gpuNodes: ReadonlyArray<{ readonly node: GpuNode; readonly server: GpuNodeServer }>;
  /** Advances every GPU node to the clock (miners advance on every read). */
  tick(): void;
  stop(): Promise<void>;
}

const CGMINER_PORT = 4028;
const ASIC_PROTOCOL = { luxos: 'cgminer-luxos-tcp', cgminer: 'cgminer-tcp', braiins: 'braiins-http' } as const;
const MAX_LOOPBACK_MINERS = 250 * 249;
/** Servers opened at once; more only queue in the kernel's accept backlog and the event loop. */
const START_BATCH = 200;

/**
 * Starts the virtual hardware of one site: `asics` miners speaking the cgminer/LuxOS API over TCP and `gpuNodes` GPU
 * nodes over HTTP, inventories seeded by `seed`, physics driven by `clock`. Rejects if a listener cannot be opened,
 * after closing the ones already open.
 */
export async function startVirtualFleet(options: VirtualFleetOptions): Promise<VirtualFleet> {
  const site = resolveSite(options.site);
  if (options.addressing === 'loopback' && options.asics > MAX_LOOPBACK_MINERS) {
    throw new Error(`asics: at most ${MAX_LOOPBACK_MINERS} miners per site with loopback addressing`);
  }
  const miners: VirtualMiner[] = [];
  const braiinsMiners: VirtualBraiinsMiner[] = [];
  const gpuNodes: Array<{ node: GpuNode; server: GpuNodeServer }> = [];
  const stop = async () => {
    await Promise.all([
      ...miners.map((m) => m.server.close()),
      ...braiinsMiners.map((m) => m.server.close()),
      ...gpuNodes.map((g) => g.server.close()),
    ]);
  };
  const firmware = (groupId: string) => options.firmwareByGroup?.[groupId] ?? 'luxos';
  try {
    const items = asicInventory(site, options.asics, options.seed);
    for (let start = 0; start < items.length; start += START_BATCH) {
      const batch = items.slice(start, start + START_BATCH).map(async (item, offset) => {
        const index = start + offset;
        const group = site.asicGroups.find((g) => g.id === item.groupId)!;
        const loopback = options.addressing === 'loopback';
        const common = {
          item,
          group,
          clock: options.clock,
          seed: (options.seed * 7919 + index) >>> 0,
          ...(options.minerPhysics ? { physics: options.minerPhysics } : {}),
        };
        const kind = firmware(group.id);
        if (kind === 'braiins') {
          return { braiins: await startVirtualBraiinsMiner({ ...common, host: '127.0.0.1', port: 0 }) };
        }
        const host = loopback ? loopbackAddress(index, site.id) : '127.0.0.1';
        return {
          cgminer: await startVirtualMiner({ ...common, firmware: kind, host, port: loopback ? CGMINER_PORT : 0 }),
        };
      });
      // Pushed in inventory order, whatever order the listeners opened in.
      for (const started of await Promise.all(batch)) {
        if (started.braiins) braiinsMiners.push(started.braiins);
        if (started.cgminer) miners.push(started.cgminer);
      }
    }
    for (const item of gpuNodeInventory(site, options.gpuNodes, options.gpusPerNode ?? 8, options.seed)) {
      const pool = site.gpuPools.find((p) => p.id === item.poolId)!;
      const node = new GpuNode(item, pool, options.clock);
      const server = await startGpuNodeServer(node, {
        host: '127.0.0.1',
        port: 0,
        autoTickMs: options.gpuAutoTickMs ?? 100,
      });
      gpuNodes.push({ node, server });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoints: DeviceEndpoint[] = [
    ...[...miners, ...braiinsMiners].map((m) => ({
      kind: 'asic' as const,
      id: m.context.identity.id,
      address: m.server.host,
      port: m.server.port,
      protocol: ASIC_PROTOCOL[firmware(m.item.groupId)],
      siteId: site.id,
      groupId: m.item.groupId,
      model: m.context.identity.model,
    })),
    ...gpuNodes.map((g) => ({
      kind: 'gpu' as const,
      id: g.node.item.id,
      address: g.server.host,
      port: g.server.port,
      protocol: 'http' as const,
      siteId: site.id,
      groupId: g.node.pool.id,
      model: g.node.pool.model,
    })),
  ];
  const tick = () => {
    for (const g of gpuNodes) g.node.tick();
  };
  return { endpoints, miners, braiinsMiners, gpuNodes, tick, stop };
}

function resolveSite(site: Site | string | undefined): Site {
  if (site !== undefined && typeof site !== 'string') return site;
  const id = site ?? referenceFleet.sites[0]!.id;
  const found = referenceFleet.sites.find((s) => s.id === id);
  if (!found)
    throw new Error(`unknown site '${id}': expected one of ${referenceFleet.sites.map((s) => s.id).join(', ')}`);
  return found;
}

/**
 * 127.<10 + site slot>.<1 + ⌊i / 250⌋>.<1 + i mod 250>: a distinct /16 per site so several sites' fleets can run side
 * by side, and never a network- or broadcast-looking octet. Reference sites take slots 0, 1, 2 in fleet order.
 */
export function loopbackAddress(index: number, siteId: string): string {
  const referenceSlot = referenceFleet.sites.findIndex((s) => s.id === siteId);
  let hash = 0;
  for (const ch of siteId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const slot = referenceSlot >= 0 ? referenceSlot : referenceFleet.sites.length + (hash % 90);
  return `127.${10 + slot}.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}
