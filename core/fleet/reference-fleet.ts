import { type AsicGroup, type Fleet, fleetSchema, type PowerCurvePoint } from '../model/site.js';

/**
 * Power-target curve of one unit as fractions of its stock power and hashrate. Underclocking lowers voltage as well as
 * frequency, so TH/s per W improves at lower targets: at half power a unit keeps ~60% of its hashrate (shape after the
 * autotuning profiles LuxOS and Braiins OS publish for S19/S21; approximate, to be recalibrated on the fleet's own data).
 */
const CURVE_FRACTIONS = [
  { power: 0.5, hashrate: 0.6 },
  { power: 0.7, hashrate: 0.78 },
  { power: 0.85, hashrate: 0.9 },
  { power: 1.0, hashrate: 1.0 },
] as const;

function curve(nominalPowerW: number, nominalHashrateThs: number): PowerCurvePoint[] {
  return CURVE_FRACTIONS.map((f) => ({
    powerW: Math.round(nominalPowerW * f.power),
    hashrateThs: Math.round(nominalHashrateThs * f.hashrate * 10) / 10,
  }));
}

type AsicModel = Omit<AsicGroup, 'id' | 'unitCount' | 'powerCurve' | 'wearUsdPerCycle' | 'frequencyTrip' | 'alwaysOn'>;

// Bitmain Antminer S19 XP: 140 TH/s at 3,010 W (21.5 J/TH), Bitmain product spec.
const S19_XP: AsicModel = {
  model: 'Antminer S19 XP',
  nominalHashrateThs: 140,
  nominalPowerW: 3010,
  // LuxOS `curtail sleep` keeps the control board up: ~25 W (LuxOS docs); hashboards need ~60 s to re-tune on wake.
  sleepPowerW: 25,
  wakeSeconds: 60,
  sleepSeconds: 5,
  // Operator policy: keep thermal cycling of hashboards to a few per hour.
  minOnMinutes: 15,
  minOffMinutes: 10,
};

// Bitmain Antminer S21: 200 TH/s at 3,500 W (17.5 J/TH), Bitmain product spec.
const S21: AsicModel = {
  ...S19_XP,
  model: 'Antminer S21',
  nominalHashrateThs: 200,
  nominalPowerW: 3500,
  wakeSeconds: 45,
};

// Bitmain Antminer S21 Hydro: 335 TH/s at 5,360 W (16 J/TH), Bitmain product spec; water loop slows re-tuning.
const S21_HYDRO: AsicModel = {
  ...S19_XP,
  model: 'Antminer S21 Hydro',
  nominalHashrateThs: 335,
  nominalPowerW: 5360,
  sleepPowerW: 30,
  wakeSeconds: 90,
};

function asicGroup(id: string, model: AsicModel, unitCount: number, frequencyTrip: boolean): AsicGroup {
  // Wear per sleep/wake cycle: fan bearings and PSU inrush, ~$0.05 per unit-cycle (operator estimate).
  return {
    ...model,
    id,
    unitCount,
    powerCurve: curve(model.nominalPowerW, model.nominalHashrateThs),
    wearUsdPerCycle: 0.05,
    frequencyTrip,
    alwaysOn: false,
  };
}

// NVIDIA H100 SXM5: 700 W TDP, 80 GB HBM3 (NVIDIA H100 datasheet). H200 SXM: 700 W TDP, 141 GB HBM3e (H200 datasheet).
// Idle with a model resident: ~90 W (typical nvidia-smi reading of an idle SXM5 board).
// Throughput: aggregate output tokens/s per GPU at large batch under vLLM, order of magnitude from MLPerf Inference
// v4.1 and vLLM's published benchmarks (70B figures are per GPU of a tensor-parallel group). H200's larger, faster
// memory gives ~1.3–1.6× on memory-bound models (NVIDIA H200 brief).
const H100_THROUGHPUT = {
  'meta-llama/Llama-3.1-8B-Instruct': 6000,
  'meta-llama/Llama-3.1-70B-Instruct': 900,
  'mistralai/Mixtral-8x7B-Instruct-v0.1': 2500,
};
const H200_THROUGHPUT = {
  'meta-llama/Llama-3.1-8B-Instruct': 7500,
  'meta-llama/Llama-3.1-70B-Instruct': 1400,
  'mistralai/Mixtral-8x7B-Instruct-v0.1': 3300,
};

/**
 * Three ERCOT sites, the fleet every test, backtest and the local platform use unless told otherwise.
 * Interconnect limits leave headroom over the all-on draw except at site-west-1, where the cap binds at full power.
 */
export const referenceFleet: Fleet = fleetSchema.parse({
  sites: [
    {
      id: 'site-west-1',
      name: 'Pecos West',
      market: 'ERCOT',
      marketNode: 'HB_WEST',
      // 24 MW: below the all-on draw (~24.4 MW with overhead), so the optimizer must underclock to fit.
      interconnectLimitMw: 24,
      // Air-cooled containers with evaporative assist: PUE ~1.05 (operator figure).
      pue: 1.05,
      timeZone: 'America/Chicago',
      // ERCOT ERS-30: 30-minute response, capacity paid per MWh of commitment (ERCOT ERS procurement results).
      demandResponse: [
        {
          program: 'ERS-30',
          committedMw: 8,
          capacityUsdPerMwh: 12,
          shortfallPenaltyUsdPerMwh: 500,
          responseSeconds: 1800,
        },
      ],
      asicGroups: [asicGroup('west-s21-a', S21, 4000, true), asicGroup('west-s19xp-a', S19_XP, 3000, false)],
      gpuPools: [
        {
          id: 'west-h100-a',
          model: 'NVIDIA H100 SXM5',
          count: 256,
          idlePowerW: 90,
          servingPowerW: 700,
          throughputTokensPerSecByModel: H100_THROUGHPUT,
          // Loading 70B weights from local NVMe into HBM: ~2 minutes (vLLM cold start).
          modelWarmupSeconds: 120,
          memoryGb: 80,
        },
      ],
    },
    {
      id: 'site-south-1',
      name: 'Corpus South',
      market: 'ERCOT',
      marketNode: 'HB_SOUTH',
      interconnectLimitMw: 20,
      // Hydro-cooled miners with dry coolers: PUE ~1.03.
      pue: 1.03,
      timeZone: 'America/Chicago',
      // ERCOT ECRS: 10-minute response, qualified controllable load (ERCOT Nodal Protocols 3.17.3).
      demandResponse: [
        {
          program: 'ECRS',
          committedMw: 5,
          capacityUsdPerMwh: 15,
          shortfallPenaltyUsdPerMwh: 800,
          responseSeconds: 600,
        },
      ],
      asicGroups: [asicGroup('south-s21hyd-a', S21_HYDRO, 3000, true)],
      gpuPools: [
        {
          id: 'south-h200-a',
          model: 'NVIDIA H200 SXM',
          count: 512,
          idlePowerW: 90,
          servingPowerW: 700,
          throughputTokensPerSecByModel: H200_THROUGHPUT,
          modelWarmupSeconds: 120,
          memoryGb: 141,
        },
      ],
    },
    {
      id: 'site-north-1',
      name: 'Denton North',
      market: 'ERCOT',
      marketNode: 'HB_NORTH',
      interconnectLimitMw: 12,
      // Air-cooled GPU hall beside the miners: PUE ~1.12.
      pue: 1.12,
      timeZone: 'America/Chicago',
      demandResponse: [],
      asicGroups: [asicGroup('north-s21-a', S21, 1500, false), asicGroup('north-s19xp-a', S19_XP, 1000, true)],
      gpuPools: [
        {
          id: 'north-h100-a',
          model: 'NVIDIA H100 SXM5',
          count: 1024,
          idlePowerW: 90,
          servingPowerW: 700,
          throughputTokensPerSecByModel: H100_THROUGHPUT,
          modelWarmupSeconds: 120,
          memoryGb: 80,
        },
        {
          id: 'north-h200-a',
          model: 'NVIDIA H200 SXM',
          count: 256,
          idlePowerW: 90,
          servingPowerW: 700,
          throughputTokensPerSecByModel: H200_THROUGHPUT,
          modelWarmupSeconds: 120,
          memoryGb: 141,
        },
      ],
    },
  ],
});
