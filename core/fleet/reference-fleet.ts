import { type Fleet, fleetSchema } from '../model/site.js';
import { type SiteConfig, siteConfigSchema, siteModelOf } from './site-config.js';

const LLAMA_AND_MIXTRAL = [
  'meta-llama/Llama-3.1-8B-Instruct',
  'meta-llama/Llama-3.1-70B-Instruct',
  'mistralai/Mixtral-8x7B-Instruct-v0.1',
];

/** A container's miners on one /20 of the site LAN, cgminer API on 4028. */
const range = (subnet: number, units: number) => {
  const last = units - 1;
  return {
    kind: 'range' as const,
    first: `10.${subnet}.0.0`,
    last: `10.${subnet}.${Math.floor(last / 256)}.${last % 256}`,
    port: 4028,
  };
};

/**
 * Three ERCOT sites as registry records: the seed data of the simulator and the tests (`npm start` registers them
 * through the API). Deployed code reads the registry, never this module (test/unit/architecture checks it).
 * Interconnect limits leave headroom over the all-on draw except at site-west-1, where the cap binds at full power.
 */
export const referenceSiteConfigs: readonly SiteConfig[] = [
  {
    id: 'site-west-1',
    name: 'Pecos West',
    marketNode: 'HB_WEST',
    // 24 MW: below the all-on draw (~24.4 MW with overhead), so the optimizer must underclock to fit.
    interconnectLimitKw: 24_000,
    // Air-cooled containers with evaporative assist: PUE ~1.05 (operator figure).
    pue: 1.05,
    timeZone: 'America/Chicago',
    energyContract: { kind: 'real-time-index', adderUsdPerMwh: 0 },
    // ERCOT ERS-30: 30-minute response, capacity paid per MWh of commitment (ERCOT ERS procurement results).
    gridPrograms: [
      {
        program: 'ERS-30',
        committedMw: 8,
        capacityUsdPerMwh: 12,
        shortfallPenaltyUsdPerMwh: 500,
        responseSeconds: 1800,
      },
    ],
    // Qualified as a load resource (issue 25): RRS on the S21s' under-frequency trip, ECRS and Non-Spin on any group.
    // Illustrative MW, below what the groups draw above sleep (S21s ~14 MW, S19 XPs ~9 MW).
    ancillary: {
      qualifications: [
        { product: 'RRS-UFR', maxOfferMw: 8 },
        { product: 'ECRS', maxOfferMw: 8 },
        { product: 'NSPIN', maxOfferMw: 8 },
      ],
      // Illustrative ERCOT Load Resource names: the relay-tripped S21s for RRS, the whole site for ECRS and Non-Spin.
      resources: [
        { name: 'HCP_WEST_UFR1', products: ['RRS-UFR'], groupIds: ['west-s21-a'] },
        { name: 'HCP_WEST_LR1', products: ['ECRS', 'NSPIN'] },
      ],
      ufrTripHz: 59.7,
    },
    asicGroups: [
      {
        id: 'west-s21-a',
        model: 'antminer-s21',
        unitCount: 4000,
        driver: 'luxos',
        addresses: range(1, 4000),
        minOnMinutes: 15,
        minOffMinutes: 10,
        frequencyTrip: true,
      },
      {
        id: 'west-s19xp-a',
        model: 'antminer-s19-xp',
        unitCount: 3000,
        driver: 'luxos',
        addresses: range(2, 3000),
        minOnMinutes: 15,
        minOffMinutes: 10,
        frequencyTrip: false,
      },
    ],
    gpuPools: [
      {
        id: 'west-h100-a',
        model: 'nvidia-h100-sxm5',
        nodes: 32,
        gpusPerNode: 8,
        driver: 'nvidia-smi',
        nodeEndpoints: [],
        servedModels: LLAMA_AND_MIXTRAL,
      },
    ],
  },
  {
    id: 'site-south-1',
    name: 'Corpus South',
    marketNode: 'HB_SOUTH',
    interconnectLimitKw: 20_000,
    // Hydro-cooled miners with dry coolers: PUE ~1.03.
    pue: 1.03,
    timeZone: 'America/Chicago',
    energyContract: { kind: 'real-time-index', adderUsdPerMwh: 0 },
    // ERCOT ECRS: 10-minute response, qualified controllable load (ERCOT Nodal Protocols 3.17.3).
    gridPrograms: [
      { program: 'ECRS', committedMw: 5, capacityUsdPerMwh: 15, shortfallPenaltyUsdPerMwh: 800, responseSeconds: 600 },
    ],
    // ECRS is carried by the program above; RRS on the hydro S21s' under-frequency trip and Non-Spin are offered hourly.
    ancillary: {
      qualifications: [
        { product: 'RRS-UFR', maxOfferMw: 8 },
        { product: 'NSPIN', maxOfferMw: 8 },
      ],
      resources: [{ name: 'HCP_SOUTH_LR1', products: ['RRS-UFR', 'NSPIN'] }],
      ufrTripHz: 59.7,
    },
    asicGroups: [
      {
        id: 'south-s21hyd-a',
        model: 'antminer-s21-hydro',
        unitCount: 3000,
        driver: 'luxos',
        addresses: range(1, 3000),
        minOnMinutes: 15,
        minOffMinutes: 10,
        frequencyTrip: true,
      },
    ],
    gpuPools: [
      {
        id: 'south-h200-a',
        model: 'nvidia-h200-sxm',
        nodes: 64,
        gpusPerNode: 8,
        driver: 'nvidia-smi',
        nodeEndpoints: [],
        servedModels: LLAMA_AND_MIXTRAL,
      },
    ],
  },
  {
    id: 'site-north-1',
    name: 'Denton North',
    marketNode: 'HB_NORTH',
    interconnectLimitKw: 12_000,
    // Air-cooled GPU hall beside the miners: PUE ~1.12.
    pue: 1.12,
    timeZone: 'America/Chicago',
    energyContract: { kind: 'real-time-index', adderUsdPerMwh: 0 },
    gridPrograms: [],
    // RRS on the S19 XPs' under-frequency trip (~3 MW), ECRS and Non-Spin on the miners.
    ancillary: {
      qualifications: [
        { product: 'RRS-UFR', maxOfferMw: 2 },
        { product: 'ECRS', maxOfferMw: 3 },
        { product: 'NSPIN', maxOfferMw: 3 },
      ],
      resources: [
        { name: 'HCP_NORTH_UFR1', products: ['RRS-UFR'], groupIds: ['north-s19xp-a'] },
        { name: 'HCP_NORTH_LR1', products: ['ECRS', 'NSPIN'] },
      ],
      ufrTripHz: 59.7,
    },
    asicGroups: [
      {
        id: 'north-s21-a',
        model: 'antminer-s21',
        unitCount: 1500,
        driver: 'luxos',
        addresses: range(1, 1500),
        minOnMinutes: 15,
        minOffMinutes: 10,
        frequencyTrip: false,
      },
      {
        id: 'north-s19xp-a',
        model: 'antminer-s19-xp',
        unitCount: 1000,
        driver: 'luxos',
        addresses: range(2, 1000),
        minOnMinutes: 15,
        minOffMinutes: 10,
        frequencyTrip: true,
      },
    ],
    gpuPools: [
      {
        id: 'north-h100-a',
        model: 'nvidia-h100-sxm5',
        nodes: 128,
        gpusPerNode: 8,
        driver: 'nvidia-smi',
        nodeEndpoints: [],
        servedModels: LLAMA_AND_MIXTRAL,
      },
      {
        id: 'north-h200-a',
        model: 'nvidia-h200-sxm',
        nodes: 32,
        gpusPerNode: 8,
        driver: 'nvidia-smi',
        nodeEndpoints: [],
        servedModels: LLAMA_AND_MIXTRAL,
      },
    ],
  },
].map((config) => siteConfigSchema.parse(config));

/** The reference sites as the optimizer's site models: the fleet every test, backtest and the simulator use. */
export const referenceFleet: Fleet = fleetSchema.parse({ sites: referenceSiteConfigs.map(siteModelOf) });
