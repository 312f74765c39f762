import type { GpuPool, Site } from '../../core/model/site.js';
import { type Rng, seededRng } from '../../core/support/random.js';

export interface AsicInventoryItem {
  readonly id: string;
  readonly siteId: string;
  readonly groupId: string;
  readonly model: string;
  readonly serial: string;
  readonly mac: string;
  readonly lanIp: string;
  readonly hostname: string;
  readonly firmware: string;
  readonly container: string;
  readonly rack: number;
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

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
/** LuxOS release strings look like `2024.11.20.173500-<commit>`; two releases coexist in a real fleet. */
const LUXOS_RELEASES = ['2024.11.20.173500-8f3c2d1a', '2025.2.14.101200-c41e9b07'] as const;
/** Data-centre driver branch shipped for H100/H200 (NVIDIA 550 LTS branch). */
const NVIDIA_DRIVER = '550.127.05';
/** Miners per rack shelf and racks per container: a 40-ft container holds ~200–300 air-cooled units. */
const SLOTS_PER_RACK = 30;
const RACKS_PER_CONTAINER = 8;

/**
 * Miners of a site, split across its ASIC groups in proportion to their unit counts, with seeded serials, MACs,
 * LAN addresses and firmware. The same site, count and seed always give the same list.
 */
export function asicInventory(site: Site, count: number, seed: number): AsicInventoryItem[] {
  const rng = seededRng(seed ^ 0xa51c);
  const groups = site.asicGroups;
  if (groups.length === 0 || count <= 0) return [];
  const siteOctet = siteOctetFor(site.id);
  return Array.from({ length: count }, (_, i) => {
    const group = pickByQuantile(groups, (g) => g.unitCount, (i + 0.5) / count);
    const rack = Math.floor(i / SLOTS_PER_RACK);
    const slot = i % SLOTS_PER_RACK;
    const container = `C${String(Math.floor(rack / RACKS_PER_CONTAINER) + 1).padStart(2, '0')}`;
    const id = `${site.id}-asic-${String(i + 1).padStart(5, '0')}`;
    return {
      id,
      siteId: site.id,
      groupId: group.id,
      model: group.model,
      serial: randomString(rng, SERIAL_ALPHABET, 17),
      mac: randomMac(rng),
      lanIp: `10.${siteOctet}.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      hostname: `${container.toLowerCase()}-r${rack % RACKS_PER_CONTAINER}-s${slot}`,
      firmware: LUXOS_RELEASES[rng.next() < 0.8 ? 1 : 0],
      container,
      rack,
      slot,
    };
  });
}

/** GPU nodes of a site, split across its GPU pools in proportion to their GPU counts. */
export function gpuNodeInventory(site: Site, nodes: number, gpusPerNode: number, seed: number): GpuNodeInventoryItem[] {
  const rng = seededRng(seed ^ 0x6e0d);
  const pools = site.gpuPools;
  if (pools.length === 0 || nodes <= 0) return [];
  const siteOctet = siteOctetFor(site.id);
  return Array.from({ length: nodes }, (_, i) => {
    const pool: GpuPool = pickByQuantile(pools, (p) => p.count, (i + 0.5) / nodes);
    return {
      id: `${site.id}-gpu-node-${String(i + 1).padStart(3, '0')}`,
      siteId: site.id,
      poolId: pool.id,
      model: pool.model,
      hostname: `${site.id}-gpu${String(i + 1).padStart(3, '0')}`,
      mac: randomMac(rng),
      lanIp: `10.${siteOctet}.200.${(i % 250) + 2}`,
      driverVersion: NVIDIA_DRIVER,
      gpus: Array.from({ length: gpusPerNode }, (_, index) => ({
        index,
        uuid: `GPU-${randomHex(rng, 8)}-${randomHex(rng, 4)}-${randomHex(rng, 4)}-${randomHex(rng, 4)}-${randomHex(rng, 12)}`,
        serial: `165${randomString(rng, '0123456789', 10)}`,
        // SXM boards of an HGX baseboard sit on buses 0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb.
        pciBusId: `00000000:${HGX_BUSES[index % HGX_BUSES.length]}:00.0`,
      })),
    };
  });
}

/** The item whose share of the total weight covers `quantile`: a deterministic proportional split. */
function pickByQuantile<T>(items: readonly T[], weight: (item: T) => number, quantile: number): T {
  const target = quantile * items.reduce((sum, item) => sum + weight(item), 0);
  let cumulative = 0;
  for (const item of items) {
    cumulative += weight(item);
    if (cumulative >= target) return item;
  }
  return items[items.length - 1]!;
}

const HGX_BUSES = ['18', '2A', '3A', '5D', '9A', 'AB', 'BA', 'DB'];

function siteOctetFor(siteId: string): number {
  let hash = 0;
  for (const ch of siteId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return (hash % 200) + 20;
}

function randomString(rng: Rng, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng.next() * alphabet.length)];
  return out;
}

function randomHex(rng: Rng, length: number): string {
  return randomString(rng, '0123456789abcdef', length);
}

/** Locally administered unicast MACs (first octet x2): obviously synthetic, never a real vendor's OUI. */
function randomMac(rng: Rng): string {
  const octets = Array.from({ length: 6 }, () => Math.floor(rng.next() * 256));
  octets[0] = ((octets[0] ?? 0) & 0xfc) | 0x02;
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}
