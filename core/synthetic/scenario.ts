import { z } from 'zod';
import { isoInstantSchema, nonNegative, positive } from '../support/schema.js';

/** A window inside the scenario, in hours from its start. */
const windowFields = { startHour: nonNegative, durationHours: positive };

const nodeSchema = z.strictObject({
  node: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'upper-case ERCOT settlement point name, e.g. HB_WEST'),
  /** Shift of the node's price level in the model's normal-score space (−0.3 ≈ a node with more negative hours). */
  levelShiftZ: z.number().finite().min(-3).max(3).default(0),
  /** Node basis against the calibrated hub: stationary sd in normal-score space and its 15-min persistence. */
  basisSigmaZ: z.number().finite().min(0).max(2).default(0),
  basisPhi: z.number().min(0).max(0.9999).default(0.98),
  /** Multiplies scarcity spike prices at this node (hubs spike together in ERCOT scarcity). */
  spikeScale: positive.max(5).default(1),
  temperatureOffsetC: z.number().finite().min(-20).max(20).default(0),
});
export type ScenarioNode = z.infer<typeof nodeSchema>;

/** HB_SOUTH is calibrated; the other hubs are the same model with a basis (priors, not fitted: no data here). */
export const DEFAULT_NODES: ScenarioNode[] = [
  { node: 'HB_SOUTH', levelShiftZ: 0, basisSigmaZ: 0, basisPhi: 0.98, spikeScale: 1, temperatureOffsetC: 0 },
  // West Texas: wind and solar push more hours negative; hotter, drier days.
  { node: 'HB_WEST', levelShiftZ: -0.25, basisSigmaZ: 0.35, basisPhi: 0.97, spikeScale: 1, temperatureOffsetC: -1 },
  { node: 'HB_NORTH', levelShiftZ: 0.05, basisSigmaZ: 0.2, basisPhi: 0.98, spikeScale: 1, temperatureOffsetC: -3 },
];

export const marketScenarioSchema = z.strictObject({
  nodes: z.array(nodeSchema).min(1).max(16).default(DEFAULT_NODES),
  levelShiftZ: z.number().finite().min(-3).max(3).default(0),
  spikeHazardMultiplier: nonNegative.max(1000).default(1),
  spikeDurationMultiplier: positive.max(100).default(1),
  /** Overrides the calibrated Pareto tail index of spike prices (smaller = heavier tail). */
  spikeParetoAlpha: positive.max(10).optional(),
  temperatureShiftC: z.number().finite().min(-30).max(30).default(0),
  temperatureAnomalies: z
    .array(z.strictObject({ ...windowFields, deltaC: z.number().finite().min(-40).max(40) }))
    .max(32)
    .default([]),
  /** Windows of tight reserves: the spike hazard and duration are multiplied inside them. */
  scarcityWindows: z
    .array(
      z.strictObject({
        ...windowFields,
        hazardMultiplier: nonNegative.max(10_000),
        durationMultiplier: positive.max(100).default(1),
      }),
    )
    .max(32)
    .default([]),
});
export type MarketScenario = z.infer<typeof marketScenarioSchema>;

export const bitcoinScenarioSchema = z.strictObject({
  startPriceUsd: positive.default(95_000),
  /** Chain height of the tip at the start. */
  startHeight: z.number().int().nonnegative().default(880_000),
  startDifficulty: positive.default(110_568_428_300_952),
  /** Network hashrate over the hashrate the difficulty implies; >1 means blocks come fast until the retarget. */
  hashrateOverDifficulty: positive.max(4).default(1.02),
  /** Overrides the calibrated trend of network hashrate. */
  hashrateGrowthPerYear: z.number().finite().min(-0.9).max(10).optional(),
  volatilityMultiplier: positive.max(10).default(1),
  /** Annual log-drift of the BTC price; 0 keeps the path neutral instead of extrapolating a bull market. */
  driftPerYear: z.number().finite().min(-5).max(5).default(0),
  feesMultiplier: positive.max(100).default(1),
});
export type BitcoinScenario = z.infer<typeof bitcoinScenarioSchema>;

export const gpuSpotScenarioSchema = z.strictObject({
  /** H100 on-demand-equivalent spot rate at the start. */
  startUsdPerGpuHour: positive.max(100).default(2.1),
  driftPerYear: z.number().finite().min(-0.9).max(5).default(-0.25),
  shocksPerDay: nonNegative.max(100).default(0.3),
  surgeWindows: z
    .array(z.strictObject({ ...windowFields, multiplier: positive.max(20) }))
    .max(32)
    .default([]),
});
export type GpuSpotScenario = z.infer<typeof gpuSpotScenarioSchema>;

export const gridScenarioSchema = z.strictObject({
  /** Background deployments per week beyond those the price state triggers. */
  ersDeploymentsPerWeek: nonNegative.max(100).default(0.05),
  ecrsDeploymentsPerWeek: nonNegative.max(100).default(0.2),
  /** Price at a node that triggers an ECRS deployment (scarcity pricing reached). */
  ecrsTriggerUsdPerMwh: positive.default(1000),
  emergencyWindows: z.array(z.strictObject(windowFields)).max(32).default([]),
  /** Dips below 59.7 Hz per day outside emergencies; ERCOT sees a handful a year. */
  frequencyDipsPerDay: nonNegative.max(100).default(0.01),
  /** Dips per day inside an emergency window. */
  emergencyFrequencyDipsPerDay: nonNegative.max(500).default(4),
  frequencyStepSeconds: z.number().int().min(1).max(3600).default(10),
});
export type GridScenario = z.infer<typeof gridScenarioSchema>;

export const workloadScenarioSchema = z.strictObject({
  /** Mean arrivals per hour over a week (the diurnal and weekly shape redistributes them). */
  jobsPerHour: nonNegative.max(100_000).default(120),
  tenants: z.number().int().min(1).max(10_000).default(40),
  guaranteedShare: z.number().min(0).max(1).default(0.3),
  burstsPerDay: nonNegative.max(100).default(1.5),
  surgeWindows: z
    .array(z.strictObject({ ...windowFields, multiplier: positive.max(100) }))
    .max(32)
    .default([]),
  /** Share of jobs per model id; defaults to the models the reference fleet serves. */
  modelWeights: z.record(z.string().min(1).max(128), nonNegative).optional(),
});
export type WorkloadScenario = z.infer<typeof workloadScenarioSchema>;

export const inventoryScenarioSchema = z.strictObject({
  /** Caps devices per ASIC group / GPU pool, so a local run need not carry 12,500 miners. */
  maxDevicesPerGroup: z.number().int().positive().optional(),
});

/** A named scenario file under sim/synthetic/scenarios/. Strict: a misspelt field is an error, not a silent default. */
export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  description: z.string().min(1).max(2000),
  /** UTC instant on the hour. */
  start: isoInstantSchema.refine((s) => Date.parse(s) % 3_600_000 === 0, 'must be on the hour'),
  days: positive.max(366).default(7),
  timeZone: z.string().min(1).default('America/Chicago'),
  market: marketScenarioSchema.prefault({}),
  bitcoin: bitcoinScenarioSchema.prefault({}),
  gpuSpot: gpuSpotScenarioSchema.prefault({}),
  grid: gridScenarioSchema.prefault({}),
  workloads: workloadScenarioSchema.prefault({}),
  inventory: inventoryScenarioSchema.prefault({}),
});
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
