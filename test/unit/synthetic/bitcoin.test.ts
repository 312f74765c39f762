import {
  hashpriceUsdPerThDay,
  networkHashrateThsFromDifficulty,
  subsidyBtcAtHeight,
} from '../../../core/economics/hashprice.js';
import { BitcoinProcess, MAX_RETARGET_FACTOR, RETARGET_INTERVAL_BLOCKS } from '../../../core/synthetic/bitcoin.js';
import { streamRng } from '../../../core/synthetic/draws.js';
import { bitcoinScenarioSchema } from '../../../core/synthetic/scenario.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { loadScenario } from '../../../sim/synthetic/scenario-files.js';

function run(scenarioInput: Record<string, unknown>, days: number, seed = 3) {
  const scenario = bitcoinScenarioSchema.parse(scenarioInput);
  const startMs = Date.parse('2025-01-13T06:00:00Z');
  const process = new BitcoinProcess(
    loadCalibration().bitcoin,
    scenario,
    startMs,
    streamRng(seed, 'btc-price'),
    streamRng(seed, 'btc-chain'),
  );
  const states = [];
  for (let t = 0; t <= days * 96; t++) states.push(process.advanceTo(startMs + t * 900_000));
  return { process, states, scenario };
}

describe('BTC chain and hashprice path', () => {
  it('re-targets difficulty only at multiples of 2,016 blocks, toward the hashrate, within the ×4 clamp', () => {
    // Prepare: hashrate 10% above what the difficulty implies, so blocks come fast until the retarget.
    const { process, states } = run({ hashrateOverDifficulty: 1.1, startHeight: 880_000 }, 35);

    // Assess
    expect(process.retargets.length).toBeGreaterThanOrEqual(2);
    for (const r of process.retargets) {
      expect(r.height % RETARGET_INTERVAL_BLOCKS).toBe(0);
      expect(r.difficulty / r.previousDifficulty).toBeLessThanOrEqual(MAX_RETARGET_FACTOR);
    }
    // A full epoch: new difficulty = old × (2,016 × 600 s) ÷ the epoch's actual duration.
    const full = process.retargets[1]!;
    const epochMs = full.atMs - process.retargets[0]!.atMs;
    expect(full.difficulty / full.previousDifficulty).toBeCloseTo((2016 * 600_000) / epochMs, 9);
    // Difficulty has caught up with the hashrate that was 10% ahead of it.
    const last = process.retargets[process.retargets.length - 1]!;
    const implied = networkHashrateThsFromDifficulty(last.difficulty);
    expect(implied / process.networkHashrateThs(last.atMs)).toBeGreaterThan(0.9);
    expect(states[0]!.networkHashrateThs / networkHashrateThsFromDifficulty(states[0]!.difficulty)).toBeCloseTo(1.1, 2);
    // Between retargets difficulty holds.
    const changes = states.filter((s, i) => i > 0 && s.difficulty !== states[i - 1]!.difficulty).length;
    expect(changes).toBe(process.retargets.length);
  });

  it('finds about 144 blocks a day when hashrate matches difficulty', () => {
    const { states } = run({ hashrateOverDifficulty: 1, hashrateGrowthPerYear: 0 }, 20);
    const blocksPerDay = (states[states.length - 1]!.height - states[0]!.height) / 20;
    expect(blocksPerDay).toBeGreaterThan(130);
    expect(blocksPerDay).toBeLessThan(158);
  });

  it('halves the subsidy at height 1,050,000 in the halving scenario and hashprice follows', () => {
    // Prepare
    const scenario = loadScenario('halving');

    // Act
    const { process, states } = run(scenario.bitcoin, scenario.days);

    // Assess
    expect(process.halvings.map((h) => h.height)).toEqual([1_050_000]);
    const before = states.filter((s) => s.height < 1_049_999);
    const after = states.filter((s) => s.height >= 1_050_000);
    expect(new Set(before.map((s) => s.subsidyBtc))).toEqual(new Set([3.125]));
    expect(new Set(after.map((s) => s.subsidyBtc))).toEqual(new Set([1.5625]));
    expect(subsidyBtcAtHeight(1_050_000)).toBe(1.5625);
    const last = before[before.length - 1]!;
    const first = after[0]!;
    expect(first.hashpriceUsdPerThDay / last.hashpriceUsdPerThDay).toBeLessThan(0.7);
  });

  it('computes hashprice with the core formula', () => {
    const { states } = run({}, 2);
    for (const s of states.slice(0, 20)) {
      expect(s.hashpriceUsdPerThDay).toBeCloseTo(hashpriceUsdPerThDay(s), 6);
    }
    // January 2025 inputs give the published ~$0.055–0.06 per TH/s per day.
    expect(states[0]!.hashpriceUsdPerThDay).toBeGreaterThan(0.04);
    expect(states[0]!.hashpriceUsdPerThDay).toBeLessThan(0.08);
  });

  it('moves the BTC price as a diffusion with calibrated daily volatility', () => {
    const { states } = run({}, 60, 8);
    const daily = states.filter((_, i) => i % 96 === 0).map((s) => s.btcPriceUsd);
    const returns = daily.slice(1).map((p, i) => Math.log(p / daily[i]!));
    const sd = Math.sqrt(returns.reduce((a, r) => a + r * r, 0) / returns.length);
    expect(sd).toBeGreaterThan(0.012);
    expect(sd).toBeLessThan(0.06);
  });
});
