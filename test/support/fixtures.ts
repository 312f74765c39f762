import type {
  Ack,
  Command,
  GridSignal,
  MarketSnapshot,
  Plan,
  TelemetryBatch,
  WorkloadRequest,
} from '../../core/index.js';

/** Small valid instances of every contract, for tests to start from and break one field at a time. */
export const validPlan = (): Plan => ({
  version: 7,
  createdAt: '2025-01-15T12:00:00Z',
  horizonStart: '2025-01-15T12:05:00Z',
  intervalMinutes: 5,
  sites: [
    {
      siteId: 'site-north-1',
      intervals: [
        {
          startsAt: '2025-01-15T12:05:00Z',
          asicGroups: [{ groupId: 'north-s21-a', unitsOn: 1500, powerTargetKw: 5250 }],
          gpuPools: [{ poolId: 'north-h100-a', gpusPowered: 1024, gpusServing: 800 }],
          sitePowerKw: 6700,
        },
      ],
      ladder: [
        { groupId: 'north-s19xp-a', kind: 'asic', stopAbovePriceUsdPerMwh: 86.5, sheddableKw: 3343 },
        { groupId: 'north-s21-a', kind: 'asic', stopAbovePriceUsdPerMwh: 106.3, sheddableKw: 5838 },
      ],
    },
  ],
  solver: { mode: 'milp', status: 'Optimal', objectiveUsd: 1234.5, mipGapPct: 0.1, solveMs: 420 },
});

export const validCommand = (): Command => ({
  commandId: '7b0f8a4e-5a5e-4c1b-9d1e-3f2a1b0c9d8e',
  siteId: 'site-north-1',
  seq: 42,
  epoch: 1,
  issuedAt: '2025-01-15T12:00:00Z',
  validUntil: '2025-01-15T12:05:00Z',
  kind: 'curtail',
  payload: { shedKw: 4000, reason: 'price spike', expiresAt: '2025-01-15T12:30:00Z' },
  taskToken: 'token-abc',
});

export const validAck = (): Ack => ({
  commandId: '7b0f8a4e-5a5e-4c1b-9d1e-3f2a1b0c9d8e',
  siteId: 'site-north-1',
  seq: 42,
  epoch: 1,
  status: 'executed',
  reason: 'ok',
  taskToken: 'token-abc',
  repeated: false,
  timings: { receivedAt: '2025-01-15T12:00:00.010Z', executedAt: '2025-01-15T12:00:00.060Z', executionMs: 50 },
});

export const validTelemetryBatch = (): TelemetryBatch => ({
  siteId: 'site-north-1',
  gatewayId: 'gw-north-1',
  batchSeq: 0,
  sentAt: '2025-01-15T12:00:10Z',
  sitePowerKw: 6700,
  droppedBatches: 0,
  metrics: [
    {
      deviceId: 'asic-0001',
      groupId: 'north-s21-a',
      kind: 'asic',
      at: '2025-01-15T12:00:09Z',
      state: 'hashing',
      powerW: 3490,
      hashrateThs: 199.2,
      temperatureC: 68,
    },
  ],
});

export const validGridSignal = (): GridSignal => ({
  kind: 'frequency',
  at: '2025-01-15T12:00:00Z',
  node: 'HB_NORTH',
  frequencyHz: 59.65,
});

export const validMarketSnapshot = (): MarketSnapshot => ({
  at: '2025-01-15T12:00:00Z',
  intervalMinutes: 5,
  prices: [{ node: 'HB_NORTH', realTimeUsdPerMwh: 45.2, dayAheadUsdPerMwh: 40 }],
  hashprice: {
    hashpriceUsdPerThDay: 0.055,
    btcPriceUsd: 67706.94,
    difficulty: 84381461788831.23,
    subsidyBtc: 3.125,
    feesBtcPerDay: 44.2,
  },
  gpuSpotUsdPerGpuHour: 2.1,
  gridEvents: [
    {
      id: 'ers-2025-01-15-1',
      kind: 'demand-response',
      program: 'ERS-30',
      siteIds: ['site-west-1'],
      startsAt: '2025-01-15T18:00:00Z',
      endsAt: '2025-01-15T19:00:00Z',
    },
  ],
});

export const validWorkloadRequest = (): WorkloadRequest => ({
  modelId: 'meta-llama/Llama-3.1-70B-Instruct',
  inputTokens: 2000,
  outputTokens: 500,
  tier: 'flex',
  deadline: '2025-01-15T18:00:00Z',
  maxPriceUsd: 0.5,
});

/**
 * A site to register beside the reference fleet (`site-east-1`): one container of S21 XPs on LuxOS and an H100 pool,
 * on addresses and a market node no reference site uses. The registry API's tests and the abuse suites' example.
 */
export const registrySiteConfig = () => ({
  id: 'site-east-1',
  name: 'Sweetwater East',
  marketNode: 'LZ_WEST',
  interconnectLimitKw: 5000,
  pue: 1.08,
  timeZone: 'America/Chicago',
  energyContract: { kind: 'fixed-price', priceUsdPerMwh: 38 },
  meter: { address: '10.9.0.2:502', registers: { activePowerKw: { address: 3000, type: 'float32' } } },
  asicGroups: [
    {
      id: 'east-s21xp-a',
      model: 'antminer-s21-xp',
      unitCount: 800,
      driver: 'luxos',
      addresses: { kind: 'range', first: '10.9.1.0', last: '10.9.4.31' },
    },
  ],
  gpuPools: [
    {
      id: 'east-h100-a',
      model: 'nvidia-h100-sxm5',
      nodes: 2,
      gpusPerNode: 8,
      driver: 'dcgm',
      nodeEndpoints: ['10.9.8.1:8080', '10.9.8.2:8080'],
      servedModels: ['meta-llama/Llama-3.1-8B-Instruct'],
    },
  ],
});
