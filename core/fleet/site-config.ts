import { z } from 'zod';
import {
  ancillaryRegistrationSchema,
  MAX_UFR_DELAY_CYCLES,
  UFR_MAX_TRIP_HZ,
  UFR_MIN_TRIP_HZ,
} from '../ancillary/products.js';
import { MAX_TRANSMISSION_USD_PER_KW_YEAR } from '../economics/transmission.js';
import { type ModelVersion, modelCatalogSeed, poolWarmupSeconds } from '../gpu/model-catalog.js';
import { openModels, servingThroughputTokensPerSec } from '../gpu/models.js';
import { type AsicGroup, demandResponseEnrolmentSchema, type GpuPool, type Site, siteSchema } from '../model/site.js';
import { idSchema, siteIdSchema, storableNumber } from '../support/schema.js';
import type { FieldIssue } from '../support/validation.js';
import { asicModel, gpuModel, powerTargets } from './hardware-catalog.js';
import { ERCOT_MARKET_NODES } from './market-nodes.js';

/**
 * A site as the operator registers it: the registry record (functions/shared/data/site-registry-store.ts keeps it,
 * versioned). Hardware is named by catalog id (core/fleet/hardware-catalog.ts); the figures the optimizer and the
 * gateway work with come from the catalog (`siteModelOf`). The shape below is checked for types (a 400 at the API);
 * `siteConfigViolations` holds the rules that need the catalog or the whole record (a 422 naming field and rule).
 */

export const ASIC_DRIVERS = ['luxos', 'braiins', 'cgminer'] as const;
/** `luxos`: cgminer API + curtail/profileset; `braiins`: Braiins OS+ API; `cgminer`: stock, monitoring only. */
export const asicDriverSchema = z.enum(ASIC_DRIVERS);
export type AsicDriverKind = z.infer<typeof asicDriverSchema>;
export const gpuDriverSchema = z.enum(['nvidia-smi', 'dcgm']);
export type GpuDriverKind = z.infer<typeof gpuDriverSchema>;

const ipv4Schema = z.ipv4();
const portSchema = z.number().int().min(1).max(65535);
/** `host` or `host:port` on the site LAN. */
const endpointSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'a host name or IPv4 address, optionally with :port');

/** The miners' addresses: a list, or an IPv4 range (first..last inclusive, one port) for a container of units. */
export const asicAddressesSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('list'), endpoints: z.array(endpointSchema).min(1).max(1000) }),
  z.strictObject({ kind: z.literal('range'), first: ipv4Schema, last: ipv4Schema, port: portSchema.default(4028) }),
]);
export type AsicAddresses = z.infer<typeof asicAddressesSchema>;

/**
 * Counts are checked by the rules (422), not the shape, so a fractional or negative count names its rule; the shape
 * refuses only what no store keeps faithfully (−0, denormals, beyond a million, more than 3 decimals): 400 naming it.
 */
const countSchema = storableNumber({ min: -1_000_000, max: 1_000_000, decimals: 3 });
/** kW as the registry stores them: the sign and size are the rules' (422); −0, denormals and absurd sizes are 400. */
const kwSchema = storableNumber({ min: -10_000_000, max: 10_000_000, decimals: 3 });
const minutesSchema = storableNumber({ min: 0, max: 1440, decimals: 3 });

export const asicGroupConfigSchema = z.strictObject({
  id: idSchema,
  /** Catalog id, e.g. `antminer-s21`. */
  model: z.string().min(1).max(64),
  unitCount: countSchema,
  driver: asicDriverSchema,
  addresses: asicAddressesSchema,
  /**
   * Power targets (W per unit) the group may run at, from the model's firmware targets; omitted: all of them. The
   * highest is the group's ceiling. Sleep is always allowed except for `cgminer` groups (monitoring only).
   */
  powerTargetsW: z.array(z.number().finite()).min(1).max(16).optional(),
  minOnMinutes: minutesSchema.default(15),
  minOffMinutes: minutesSchema.default(10),
  /** Whether this group may be tripped at once on an under-frequency event. */
  frequencyTrip: z.boolean().default(false),
});
export type AsicGroupConfig = z.infer<typeof asicGroupConfigSchema>;

export const gpuPoolConfigSchema = z.strictObject({
  id: idSchema,
  /** Catalog id, e.g. `nvidia-h100-sxm5`. */
  model: z.string().min(1).max(64),
  nodes: countSchema,
  gpusPerNode: countSchema,
  driver: gpuDriverSchema,
  /** The nodes' worker endpoints (`host:port`); when given, one per node. */
  nodeEndpoints: z.array(endpointSchema).max(1000).default([]),
  /** Open models (core/gpu/models.ts) the pool serves. */
  servedModels: z.array(z.string().min(1).max(128)).min(1).max(16),
});
export type GpuPoolConfig = z.infer<typeof gpuPoolConfigSchema>;

/** What the site buys power at. Under a fixed price the real-time price is still the opportunity cost of a MWh. */
export const energyContractSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('real-time-index'),
    adderUsdPerMwh: z.number().finite().min(-100).max(1000).default(0),
  }),
  z.strictObject({ kind: z.literal('fixed-price'), priceUsdPerMwh: z.number().finite().min(0).max(10000) }),
]);
export type EnergyContract = z.infer<typeof energyContractSchema>;

/** One Modbus holding/input register block, read as a 32-bit float or a scaled integer. */
const meterRegisterSchema = z.strictObject({
  address: z.number().int().min(0).max(65535),
  type: z.enum(['float32', 'int32', 'uint32', 'int16', 'uint16']),
  /** Multiply the raw value by this to get the named unit. */
  scale: z.number().finite().default(1),
});

/**
 * The site's revenue-grade meter on Modbus TCP (port 502 unless the address names one). The gateway reads it as a
 * SunSpec meter (models 201-204, found by walking its model chain), which needs no register map; `registers` records
 * where a meter without SunSpec keeps its readings, which the gateway does not read yet.
 */
export const siteMeterSchema = z.strictObject({
  address: endpointSchema,
  unitId: z.number().int().min(0).max(255).default(1),
  registers: z
    .strictObject({ activePowerKw: meterRegisterSchema, frequencyHz: meterRegisterSchema.optional() })
    .optional(),
});
export type SiteMeter = z.infer<typeof siteMeterSchema>;

/**
 * The site's transmission utility (TDSP) and the yearly charge it bills per kW of the site's load in the four summer
 * coincident peaks (ERCOT 4CP): what the optimizer weighs a curtailment in a likely peak against. Omitted: the
 * default rate (core/economics/transmission.ts).
 */
export const transmissionSchema = z.strictObject({
  utility: z.string().min(1).max(64),
  fourCpUsdPerKwYear: z.number().finite(),
});
export type Transmission = z.infer<typeof transmissionSchema>;

export const siteConfigShapeSchema = z.strictObject({
  id: siteIdSchema,
  name: z.string().min(1).max(128),
  /** ERCOT settlement point (core/fleet/market-nodes.ts). */
  marketNode: z.string().min(1).max(32),
  interconnectLimitKw: kwSchema,
  /** Facility overhead: facility power over IT power (PUE). */
  pue: z.number().finite().min(1).max(3),
  timeZone: z.string().min(1).max(64),
  energyContract: energyContractSchema.default({ kind: 'real-time-index', adderUsdPerMwh: 0 }),
  /** Grid programs the site is qualified for, with the committed load and payments (the limits the optimizer keeps). */
  gridPrograms: z.array(demandResponseEnrolmentSchema).max(8).default([]),
  /** Ancillary services ERCOT qualified the site for, with the MW limits and the UFR relay set-point. @default none */
  ancillary: ancillaryRegistrationSchema.optional(),
  /** The site gateway's IoT thing name. @default the site id */
  gatewayThingName: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-zA-Z0-9:_-]+$/)
    .optional(),
  meter: siteMeterSchema.optional(),
  transmission: transmissionSchema.optional(),
  asicGroups: z.array(asicGroupConfigSchema).max(64).default([]),
  gpuPools: z.array(gpuPoolConfigSchema).max(32).default([]),
});
export type SiteConfigInput = z.input<typeof siteConfigShapeSchema>;

/** A registry record that passed the shape and the rules. */
export const siteConfigSchema = siteConfigShapeSchema.superRefine((config, ctx) => {
  for (const issue of siteConfigViolations(config)) {
    ctx.addIssue({ code: 'custom', path: issue.field.split(/[.[\]]+/).filter(Boolean), message: issue.message });
  }
});
export type SiteConfig = z.infer<typeof siteConfigShapeSchema>;

const ipv4ToNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const numberToIpv4 = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** How many addresses a group's `addresses` holds. */
export function addressCount(addresses: AsicAddresses): number {
  return addresses.kind === 'list'
    ? addresses.endpoints.length
    : ipv4ToNumber(addresses.last) - ipv4ToNumber(addresses.first) + 1;
}

/** Every `host:port` of a group's addresses (a range expanded); a bare host gets `defaultPort`. */
export function expandAddresses(addresses: AsicAddresses, defaultPort = 4028): string[] {
  if (addresses.kind === 'list') return addresses.endpoints.map((e) => (e.includes(':') ? e : `${e}:${defaultPort}`));
  const first = ipv4ToNumber(addresses.first);
  const count = Math.max(0, ipv4ToNumber(addresses.last) - first + 1);
  return Array.from({ length: count }, (_, i) => `${numberToIpv4(first + i)}:${addresses.port}`);
}

/** At most this many addresses per group in a list or a range (a /20), so a typo cannot make a 4-billion range. */
export const MAX_GROUP_ADDRESSES = 4096;

const issue = (field: string, rule: string, message: string): FieldIssue => ({ field, rule, message });

function countViolation(field: string, value: number): FieldIssue | undefined {
  if (!Number.isInteger(value)) return issue(field, 'whole_number', `must be a whole number, not ${value}`);
  if (value <= 0) return issue(field, 'positive', `must be positive, not ${value}`);
  return undefined;
}

/**
 * The rules a registry record breaks, each naming the field (dotted path) and the rule; empty when it passes:
 * catalog models and market node known, counts positive whole numbers, no group whose stock power alone exceeds the
 * interconnect limit, no address or endpoint used twice in the site, group ids unique, served models with a
 * throughput figure on the pool's board.
 */
export function siteConfigViolations(config: SiteConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const push = (found: FieldIssue | undefined) => found && issues.push(found);
  if (!ERCOT_MARKET_NODES.includes(config.marketNode)) {
    push(issue('marketNode', 'unknown_market_node', `${config.marketNode} is not an ERCOT hub or load zone`));
  }
  if (!(config.interconnectLimitKw > 0)) {
    push(issue('interconnectLimitKw', 'positive', `must be positive, not ${config.interconnectLimitKw}`));
  }
  if (!isTimeZone(config.timeZone))
    push(issue('timeZone', 'unknown_time_zone', `${config.timeZone} is not an IANA time zone`));
  const rate = config.transmission?.fourCpUsdPerKwYear;
  if (rate !== undefined && !(rate > 0 && rate <= MAX_TRANSMISSION_USD_PER_KW_YEAR)) {
    push(
      issue(
        'transmission.fourCpUsdPerKwYear',
        'range',
        `must be above 0 and at most ${MAX_TRANSMISSION_USD_PER_KW_YEAR} $/kW-year, not ${rate}`,
      ),
    );
  }
  const seenIds = new Map<string, string>();
  const seenAddresses = new Map<string, string>();
  const claim = (field: string, key: string, map: Map<string, string>, rule: string, what: string) => {
    const first = map.get(key);
    if (first !== undefined) push(issue(field, rule, `${what} ${key} is already used by ${first}`));
    else map.set(key, field);
  };
  config.asicGroups.forEach((group, i) => {
    const at = `asicGroups[${i}]`;
    claim(`${at}.id`, group.id, seenIds, 'duplicate_group_id', 'group id');
    const model = asicModel(group.model);
    if (!model) push(issue(`${at}.model`, 'unknown_model', `${group.model} is not an ASIC model of the catalog`));
    const count = countViolation(`${at}.unitCount`, group.unitCount);
    push(count);
    if (model && !count && config.interconnectLimitKw > 0) {
      const stockKw = (group.unitCount * model.stockPowerW) / 1000;
      if (stockKw > config.interconnectLimitKw) {
        push(
          issue(
            `${at}.unitCount`,
            'exceeds_interconnect_limit',
            `${group.unitCount} × ${model.stockPowerW} W = ${stockKw} kW at stock exceeds the interconnect limit of ${config.interconnectLimitKw} kW`,
          ),
        );
      }
    }
    const addresses = addressCount(group.addresses);
    if (!(addresses >= 1 && addresses <= MAX_GROUP_ADDRESSES)) {
      push(issue(`${at}.addresses`, 'range', `must hold 1..${MAX_GROUP_ADDRESSES} addresses (last at or after first)`));
    } else {
      if (!count && addresses < group.unitCount) {
        push(issue(`${at}.addresses`, 'too_few_addresses', `${addresses} addresses for ${group.unitCount} units`));
      }
      for (const endpoint of expandAddresses(group.addresses)) {
        claim(`${at}.addresses`, endpoint, seenAddresses, 'duplicate_address', 'address');
      }
    }
    if (model && group.powerTargetsW) {
      const allowed = powerTargets(model).map((p) => p.powerW);
      group.powerTargetsW.forEach((w, j) => {
        if (!allowed.includes(w)) {
          push(
            issue(
              `${at}.powerTargetsW[${j}]`,
              'unknown_power_target',
              `${w} W is not a target of ${model.name}: ${allowed.join(', ')} W`,
            ),
          );
        }
      });
    }
  });
  config.gpuPools.forEach((pool, i) => {
    const at = `gpuPools[${i}]`;
    claim(`${at}.id`, pool.id, seenIds, 'duplicate_group_id', 'group id');
    const board = gpuModel(pool.model);
    if (!board) push(issue(`${at}.model`, 'unknown_model', `${pool.model} is not a GPU of the catalog`));
    const nodes = countViolation(`${at}.nodes`, pool.nodes);
    push(nodes);
    push(countViolation(`${at}.gpusPerNode`, pool.gpusPerNode));
    if (!nodes && pool.nodeEndpoints.length > 0 && pool.nodeEndpoints.length !== pool.nodes) {
      push(
        issue(`${at}.nodeEndpoints`, 'one_per_node', `${pool.nodeEndpoints.length} endpoints for ${pool.nodes} nodes`),
      );
    }
    pool.nodeEndpoints.forEach((endpoint, j) => {
      claim(`${at}.nodeEndpoints[${j}]`, endpoint, seenAddresses, 'duplicate_address', 'address');
    });
    pool.servedModels.forEach((served, j) => {
      if (!Object.hasOwn(openModels, served)) {
        push(issue(`${at}.servedModels[${j}]`, 'unknown_model', `${served} is not an open model of the catalog`));
      } else if (board && servingThroughputTokensPerSec[pool.model]?.[served] === undefined) {
        push(
          issue(
            `${at}.servedModels[${j}]`,
            'no_throughput_figure',
            `no throughput figure for ${served} on ${board.name}`,
          ),
        );
      }
    });
  });
  issues.push(...ancillaryViolations(config));
  return issues;
}

/**
 * The ancillary registration's rules: each product once, a positive MW limit within the interconnect, and for
 * RRS-UFR a relay set-point ERCOT accepts (59.70 Hz or above, NOG 2.3.1.2), a delay within 30 cycles, and at least one
 * group the gateway trips locally.
 */
function ancillaryViolations(config: SiteConfig): FieldIssue[] {
  const registration = config.ancillary;
  if (!registration) return [];
  const issues: FieldIssue[] = [];
  const limitMw = config.interconnectLimitKw / 1000;
  const seen = new Set<string>();
  registration.qualifications.forEach((q, i) => {
    const at = `ancillary.qualifications[${i}]`;
    if (seen.has(q.product)) issues.push(issue(`${at}.product`, 'duplicate_product', `${q.product} is listed twice`));
    seen.add(q.product);
    if (!(q.maxOfferMw > 0)) {
      issues.push(issue(`${at}.maxOfferMw`, 'positive', `must be positive, not ${q.maxOfferMw}`));
    } else if (limitMw > 0 && q.maxOfferMw > limitMw) {
      issues.push(
        issue(`${at}.maxOfferMw`, 'exceeds_interconnect_limit', `${q.maxOfferMw} MW exceeds the ${limitMw} MW limit`),
      );
    }
  });
  const trip = registration.ufrTripHz;
  if (trip !== undefined && !(trip >= UFR_MIN_TRIP_HZ && trip <= UFR_MAX_TRIP_HZ)) {
    issues.push(
      issue('ancillary.ufrTripHz', 'range', `must be within ${UFR_MIN_TRIP_HZ}..${UFR_MAX_TRIP_HZ} Hz, not ${trip}`),
    );
  }
  const delay = registration.ufrDelayCycles;
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0 && delay <= MAX_UFR_DELAY_CYCLES)) {
    issues.push(
      issue('ancillary.ufrDelayCycles', 'range', `must be a whole number 0..${MAX_UFR_DELAY_CYCLES}, not ${delay}`),
    );
  }
  issues.push(...resourceViolations(config, seen));
  if (seen.has('RRS-UFR')) {
    if (trip === undefined) {
      issues.push(issue('ancillary.ufrTripHz', 'required', 'RRS-UFR needs the relay set-point'));
    }
    if (!config.asicGroups.some((g) => g.frequencyTrip)) {
      issues.push(
        issue('ancillary.qualifications', 'no_frequency_trip_group', 'RRS-UFR needs a group with frequencyTrip'),
      );
    }
  }
  return issues;
}

/**
 * The site's ERCOT resources: names unique, products the site is qualified in, groups of the site (for RRS-UFR only
 * groups the gateway trips locally), and every qualified product carried by a resource (an award names its resource:
 * a qualification without one could never be awarded).
 */
function resourceViolations(config: SiteConfig, qualified: ReadonlySet<string>): FieldIssue[] {
  const resources = config.ancillary?.resources ?? [];
  const issues: FieldIssue[] = [];
  const names = new Set<string>();
  const carried = new Set<string>();
  resources.forEach((resource, i) => {
    const at = `ancillary.resources[${i}]`;
    if (names.has(resource.name))
      issues.push(issue(`${at}.name`, 'duplicate_resource', `${resource.name} is listed twice`));
    names.add(resource.name);
    resource.products.forEach((product, j) => {
      carried.add(product);
      if (!qualified.has(product)) {
        issues.push(issue(`${at}.products[${j}]`, 'not_qualified', `the site has no ${product} qualification`));
      }
    });
    resource.groupIds?.forEach((groupId, j) => {
      const group = config.asicGroups.find((g) => g.id === groupId);
      if (!group) {
        issues.push(issue(`${at}.groupIds[${j}]`, 'unknown_group', `the site has no ASIC group ${groupId}`));
      } else if (resource.products.includes('RRS-UFR') && !group.frequencyTrip) {
        issues.push(issue(`${at}.groupIds[${j}]`, 'not_frequency_trip', `RRS-UFR needs frequencyTrip on ${groupId}`));
      }
    });
  });
  for (const product of qualified) {
    if (!carried.has(product)) {
      issues.push(issue('ancillary.resources', 'missing_resource', `no ERCOT resource is registered for ${product}`));
    }
  }
  return issues;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Wear per sleep/wake cycle: fan bearings and PSU inrush, ~$0.05 per unit-cycle (operator estimate).
const WEAR_USD_PER_CYCLE = 0.05;

function asicGroupModel(group: AsicGroupConfig): AsicGroup {
  const model = asicModel(group.model)!;
  const targets = powerTargets(model).filter((p) => group.powerTargetsW?.includes(p.powerW) ?? true);
  return {
    id: group.id,
    model: model.name,
    unitCount: group.unitCount,
    nominalHashrateThs: model.stockHashrateThs,
    nominalPowerW: model.stockPowerW,
    powerCurve: targets,
    sleepPowerW: model.sleepPowerW,
    wakeSeconds: model.wakeSeconds,
    sleepSeconds: model.sleepSeconds,
    minOnMinutes: group.minOnMinutes,
    minOffMinutes: group.minOffMinutes,
    wearUsdPerCycle: WEAR_USD_PER_CYCLE,
    frequencyTrip: group.frequencyTrip,
    // Stock cgminer has no command to sleep or retarget a miner: the optimizer holds the group on (plan: alwaysOn).
    alwaysOn: group.driver === 'cgminer',
  };
}

function gpuPoolModel(pool: GpuPoolConfig, catalog: readonly ModelVersion[]): GpuPool {
  const board = gpuModel(pool.model)!;
  const throughput = servingThroughputTokensPerSec[pool.model] ?? {};
  return {
    id: pool.id,
    model: board.name,
    count: pool.nodes * pool.gpusPerNode,
    idlePowerW: board.idlePowerW,
    servingPowerW: board.servingPowerW,
    throughputTokensPerSecByModel: Object.fromEntries(pool.servedModels.map((m) => [m, throughput[m]!])),
    modelWarmupSeconds: poolWarmupSeconds(catalog, pool.servedModels),
    memoryGb: board.memoryGb,
  };
}

/**
 * The site model (core/model/site.ts) the optimizer, the router, metering and the gateway's ladder work from, built
 * from a record that passed `siteConfigViolations`. Warm-up comes from the model catalog's seed.
 */
export function siteModelOf(config: SiteConfig): Site {
  return siteModelWith(config, modelCatalogSeed);
}

/** `siteModelOf` on a given model catalog (the source of the pools' warm-up). */
export function siteModelWith(config: SiteConfig, catalog: readonly ModelVersion[]): Site {
  return siteSchema.parse({
    id: config.id,
    name: config.name,
    market: 'ERCOT',
    marketNode: config.marketNode,
    interconnectLimitMw: config.interconnectLimitKw / 1000,
    pue: config.pue,
    timeZone: config.timeZone,
    demandResponse: config.gridPrograms,
    ...(config.transmission ? { transmissionUsdPerKwYear: config.transmission.fourCpUsdPerKwYear } : {}),
    ...(config.ancillary ? { ancillary: config.ancillary } : {}),
    asicGroups: config.asicGroups.map(asicGroupModel),
    gpuPools: config.gpuPools.map((pool) => gpuPoolModel(pool, catalog)),
  });
}

/** The thing name of the site's gateway. */
export const gatewayThingNameOf = (config: Pick<SiteConfig, 'id' | 'gatewayThingName'>) =>
  config.gatewayThingName ?? config.id;

/**
 * The document a site's gateway receives through its named shadow: what it drives (groups with their drivers and
 * addresses, GPU pools with their endpoints), the market node, the meter, and the ladder inputs (the site model).
 * Address ranges stay ranges: a shadow document is limited to 8 KB (AWS IoT Device Shadow quota), so a container of
 * 4,000 miners must not be expanded into it.
 */
export const gatewayConfigSchema = z.strictObject({
  siteId: siteIdSchema,
  /** The registry version this configuration was published from; a gateway never goes back to an older one. */
  registryVersion: z.number().int().positive(),
  marketNode: z.string().min(1),
  meter: siteMeterSchema.optional(),
  asicGroups: z.array(
    z.strictObject({
      id: idSchema,
      model: z.string().min(1),
      driver: asicDriverSchema,
      unitCount: z.number().int().positive(),
      addresses: asicAddressesSchema,
    }),
  ),
  gpuPools: z.array(
    z.strictObject({
      id: idSchema,
      model: z.string().min(1),
      driver: gpuDriverSchema,
      nodes: z.number().int().positive(),
      gpusPerNode: z.number().int().positive(),
      nodeEndpoints: z.array(z.string()),
      /** What the pool's nodes serve: the GpuWorker runs the first on each node. @default none (older caches) */
      servedModels: z.array(z.string().min(1).max(128)).default([]),
    }),
  ),
  /** Ladder inputs: the site model the gateway's merit-order ladder and grid reaction use. */
  site: siteSchema,
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function gatewayConfigFor(config: SiteConfig, registryVersion: number): GatewayConfig {
  return {
    siteId: config.id,
    registryVersion,
    marketNode: config.marketNode,
    ...(config.meter ? { meter: config.meter } : {}),
    asicGroups: config.asicGroups.map((g) => ({
      id: g.id,
      model: g.model,
      driver: g.driver,
      unitCount: g.unitCount,
      addresses: g.addresses,
    })),
    gpuPools: config.gpuPools.map((p) => ({
      id: p.id,
      model: p.model,
      driver: p.driver,
      nodes: p.nodes,
      gpusPerNode: p.gpusPerNode,
      nodeEndpoints: p.nodeEndpoints,
      servedModels: p.servedModels,
    })),
    site: siteModelOf(config),
  };
}

/** The site's draw with every group at stock and every GPU at board power, facility overhead included (kW). */
export function stockPowerKw(config: SiteConfig): number {
  const asicW = config.asicGroups.reduce((sum, g) => sum + g.unitCount * (asicModel(g.model)?.stockPowerW ?? 0), 0);
  const gpuW = config.gpuPools.reduce(
    (sum, p) => sum + p.nodes * p.gpusPerNode * (gpuModel(p.model)?.boardPowerW ?? 0),
    0,
  );
  return Math.round(((asicW + gpuW) * config.pue) / 10) / 100;
}
