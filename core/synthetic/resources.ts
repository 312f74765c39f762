import type { AsicGroup, Fleet, GpuPool, Site } from '../model/site.js';
import { normal, type Rng } from '../support/random.js';
import { streamRng, weightedIndex } from './draws.js';

/*
 * Site inventories: every device with the identity an operator's asset list carries. Pure and seeded: the virtual
 * hardware (sim/devices), the local platform and the tests call it and get the same devices for the same seed.
 *
 * Addressing plan (documented so the virtual devices can bind to it): ASICs at 10.(10 + site).(container).(slot),
 * GPU nodes at 10.(100 + site).(rack).(node); MACs are locally administered (02:…), so they never collide with a real
 * vendor's OUI.
 */

export interface AsicRecord {
  readonly kind: 'asic';
  readonly siteId: string;
  readonly groupId: string;
  readonly deviceId: string;
  readonly serial: string;
  readonly macAddress: string;
  readonly ipAddress: string;
  readonly model: string;
  readonly firmware: string;
  readonly container: string;
  readonly rack: string;
  readonly slot: number;
  readonly nominalHashrateThs: number;
  readonly nominalPowerW: number;
}

export interface GpuRecord {
  readonly kind: 'gpu';
  readonly siteId: string;
  readonly poolId: string;
  readonly nodeId: string;
  readonly deviceId: string;
  /** Index of the GPU within its node, as nvidia-smi numbers them. */
  readonly gpuIndex: number;
  readonly uuid: string;
  readonly serial: string;
  /** The node's management NIC. */
  readonly macAddress: string;
  readonly ipAddress: string;
  readonly model: string;
  readonly driverVersion: string;
  readonly vbiosVersion: string;
  readonly container: string;
  readonly rack: string;
  readonly memoryTotalMib: number;
  readonly memoryUsedMib: number;
  readonly utilizationGpuPct: number;
  readonly temperatureGpuC: number;
  readonly powerLimitW: number;
}

export type DeviceRecord = AsicRecord | GpuRecord;

export interface SiteInventory {
  readonly siteId: string;
  readonly asics: readonly AsicRecord[];
  readonly gpus: readonly GpuRecord[];
}

export interface InventoryOptions {
  /** Caps devices per ASIC group and per GPU pool (a local run rarely needs 7,000 miners). */
  readonly maxDevicesPerGroup?: number;
}

/**
 * Bitmain ANTSPACE HK3 holds 210 S21 Hydro; an air-cooled 40-ft container is taken to hold 240 air miners. Both
 * stay under 254 so that a container is one /24.
 */
const minersPerContainer = (model: string) => (/hydro/i.test(model) ? 210 : 240);
const MINERS_PER_RACK = 35;
/** HGX H100/H200 baseboards carry 8 GPUs; ~40 kW air-cooled racks hold 4 such nodes; a hall holds 16 racks. */
const GPUS_PER_NODE = 8;
const NODES_PER_RACK = 4;
const RACKS_PER_HALL = 16;

/** nvidia-smi memory.total as reported for the 80 GB H100 SXM5 and the 141 GB H200. */
const memoryTotalMib = (pool: GpuPool) =>
  pool.memoryGb >= 141 ? 143_771 : pool.memoryGb >= 80 ? 81_559 : Math.round(pool.memoryGb * 1019.5);

const LUXOS_FIRMWARE = ['LuxOS 2024.11.18.183307', 'LuxOS 2025.1.28.200617', 'LuxOS 2025.3.11.171437'];
const FIRMWARE_WEIGHTS = [0.2, 0.5, 0.3];
const NVIDIA_DRIVERS = ['550.127.08', '560.35.03', '570.86.15'];
const DRIVER_WEIGHTS = [0.3, 0.3, 0.4];

const alphanumeric = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const pick = (rng: Rng, alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
const hexPair = (rng: Rng) =>
  Math.floor(rng.next() * 256)
    .toString(16)
    .padStart(2, '0');
const mac = (rng: Rng) => `02:${Array.from({ length: 5 }, () => hexPair(rng)).join(':')}`;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

function asicRecords(site: Site, siteIndex: number, group: AsicGroup, groupIndex: number, count: number, rng: Rng) {
  const perContainer = minersPerContainer(group.model);
  const serialPrefix = group.model
    .replace(/^Antminer\s*/i, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase();
  return Array.from({ length: count }, (_, k): AsicRecord => {
    const containerIndex = Math.floor(k / perContainer);
    const slotInContainer = k % perContainer;
    // Containers of all groups of a site share the 10.(10 + site).x.0/24 space: 40 per group.
    const subnet = groupIndex * 40 + containerIndex + 1;
    return {
      kind: 'asic',
      siteId: site.id,
      groupId: group.id,
      deviceId: `${group.id}-${pad(k + 1, 5)}`,
      serial: `${serialPrefix}${pick(rng, alphanumeric, 14)}`,
      macAddress: mac(rng),
      ipAddress: `10.${10 + siteIndex}.${subnet}.${slotInContainer + 1}`,
      model: group.model,
      firmware: LUXOS_FIRMWARE[weightedIndex(rng, FIRMWARE_WEIGHTS)]!,
      container: `${group.id}-c${pad(containerIndex + 1, 3)}`,
      rack: `${group.id}-c${pad(containerIndex + 1, 3)}-r${pad(Math.floor(slotInContainer / MINERS_PER_RACK) + 1, 2)}`,
      slot: (slotInContainer % MINERS_PER_RACK) + 1,
      nominalHashrateThs: group.nominalHashrateThs,
      nominalPowerW: group.nominalPowerW,
    };
  });
}

function gpuRecords(site: Site, siteIndex: number, pool: GpuPool, poolIndex: number, count: number, rng: Rng) {
  const records: GpuRecord[] = [];
  const nodes = Math.ceil(count / GPUS_PER_NODE);
  for (let node = 0; node < nodes; node++) {
    const rackIndex = Math.floor(node / NODES_PER_RACK);
    const nodeId = `${pool.id}-n${pad(node + 1, 4)}`;
    const macAddress = mac(rng);
    const driverVersion = NVIDIA_DRIVERS[weightedIndex(rng, DRIVER_WEIGHTS)]!;
    // Pools of a site take 60 racks of the 10.(100 + site).x.0/24 space each.
    const ipAddress = `10.${100 + siteIndex}.${poolIndex * 60 + rackIndex + 1}.${(node % NODES_PER_RACK) + 1}`;
    const rack = `${pool.id}-r${pad(rackIndex + 1, 3)}`;
    const container = `${pool.id}-hall${Math.floor(rackIndex / RACKS_PER_HALL) + 1}`;
    for (let gpuIndex = 0; gpuIndex < GPUS_PER_NODE && records.length < count; gpuIndex++) {
      const total = memoryTotalMib(pool);
      // A snapshot of a busy hall: most GPUs serving, some idle with weights resident.
      const utilizationGpuPct = rng.next() < 0.2 ? 0 : Math.round(40 + 59 * rng.next());
      const weightsMib = Math.round(total * (0.55 + 0.3 * rng.next()));
      records.push({
        kind: 'gpu',
        siteId: site.id,
        poolId: pool.id,
        nodeId,
        deviceId: `${nodeId}-g${gpuIndex}`,
        gpuIndex,
        uuid: `GPU-${pick(rng, '0123456789abcdef', 8)}-${pick(rng, '0123456789abcdef', 4)}-${pick(rng, '0123456789abcdef', 4)}-${pick(rng, '0123456789abcdef', 4)}-${pick(rng, '0123456789abcdef', 12)}`,
        serial: `1654${pick(rng, '0123456789', 9)}`,
        macAddress,
        ipAddress,
        model: pool.model,
        driverVersion,
        vbiosVersion: pool.memoryGb >= 141 ? '96.00.A5.00.01' : '96.00.99.00.01',
        container,
        rack,
        memoryTotalMib: total,
        memoryUsedMib:
          utilizationGpuPct === 0
            ? weightsMib
            : Math.min(total - 512, weightsMib + Math.round(total * 0.1 * rng.next())),
        utilizationGpuPct,
        // Liquid-assisted HGX boards run ~30 °C idle to ~75 °C at full load.
        temperatureGpuC: Math.round(31 + 0.42 * utilizationGpuPct + 2 * normal(rng)),
        powerLimitW: pool.servingPowerW,
      });
    }
  }
  return records;
}

/** One site's devices. `siteIndex` positions the site in the addressing plan (its index in the fleet). */
export function generateSiteInventory(
  site: Site,
  siteIndex: number,
  seed: number,
  options: InventoryOptions = {},
): SiteInventory {
  const cap = (n: number) => Math.min(n, options.maxDevicesPerGroup ?? n);
  return {
    siteId: site.id,
    asics: site.asicGroups.flatMap((group, g) =>
      asicRecords(site, siteIndex, group, g, cap(group.unitCount), streamRng(seed, `inventory:${group.id}`)),
    ),
    gpus: site.gpuPools.flatMap((pool, p) =>
      gpuRecords(site, siteIndex, pool, p, cap(pool.count), streamRng(seed, `inventory:${pool.id}`)),
    ),
  };
}

export function generateFleetInventory(fleet: Fleet, seed: number, options: InventoryOptions = {}): SiteInventory[] {
  return fleet.sites.map((site, index) => generateSiteInventory(site, index, seed, options));
}
