import { z } from 'zod';
import { hashpriceUsdPerThDay, networkHashrateThsFromDifficulty, subsidyBtcAtHeight } from '../economics/hashprice.js';
import type { Hashprice } from '../model/market.js';
import { normal, type Rng } from '../support/random.js';
import { MS_PER_DAY } from './calendar.js';
import { exponential, ouStep, poisson } from './draws.js';
import type { BitcoinScenario } from './scenario.js';

/** Consensus: difficulty re-targets every 2,016 blocks toward a 600 s spacing (Bitcoin Core, pow.cpp). */
export const RETARGET_INTERVAL_BLOCKS = 2016;
export const TARGET_BLOCK_SPACING_SECONDS = 600;
/** Consensus: one retarget moves difficulty by at most a factor of 4 either way (pow.cpp). */
export const MAX_RETARGET_FACTOR = 4;
const HASHES_PER_DIFFICULTY = 2 ** 32;

export const bitcoinModelSchema = z.strictObject({
  /** Sd of daily log-returns without the jumps. */
  dailyVolatility: z.number().nonnegative(),
  /** Mean daily log-return of the calibration window (recorded; scenarios set their own drift). */
  calibratedDriftPerDay: z.number(),
  jumpsPerDay: z.number().nonnegative(),
  jumpMeanLog: z.number(),
  jumpSigmaLog: z.number().nonnegative(),
  feesBtcPerDayMedian: z.number().positive(),
  feesLogSigma: z.number().nonnegative(),
  hashrateGrowthPerYear: z.number(),
  /** Network hashrate wanders around its trend: daily AR(1) of the log deviation. */
  hashrateNoisePhiPerDay: z.number().min(0).max(1),
  hashrateNoiseSigmaLog: z.number().nonnegative(),
});
export type BitcoinModel = z.infer<typeof bitcoinModelSchema>;

export interface Retarget {
  readonly height: number;
  readonly atMs: number;
  readonly previousDifficulty: number;
  readonly difficulty: number;
}

export interface BitcoinState extends Hashprice {
  readonly atMs: number;
  /** Height of the chain tip; the next block's subsidy is `subsidyBtc`. */
  readonly height: number;
  readonly networkHashrateThs: number;
}

/**
 * BTC price as a jump diffusion (Merton 1976: geometric Brownian motion plus normal log-jumps), blocks found as a
 * Poisson process at the rate network hashrate ÷ (difficulty × 2^32), difficulty re-targeted every 2,016 blocks,
 * subsidy halving every 210,000 blocks (`subsidyBtcAtHeight`), daily fees log-normal; hashprice from the core formula.
 */
export class BitcoinProcess {
  private logPrice: number;
  private difficulty: number;
  private height: number;
  private epochStartMs: number;
  private nextBlockMs: number;
  private hashrateNoise = 0;
  private hashrateNoiseDayIndex: number;
  private feesBtcPerDay: number;
  private feesDayIndex: number;
  private lastMs: number;
  readonly retargets: Retarget[] = [];
  readonly halvings: Array<{ readonly height: number; readonly atMs: number }> = [];

  constructor(
    private readonly model: BitcoinModel,
    private readonly scenario: BitcoinScenario,
    private readonly startMs: number,
    private readonly priceRng: Rng,
    private readonly chainRng: Rng,
  ) {
    this.logPrice = Math.log(scenario.startPriceUsd);
    this.difficulty = scenario.startDifficulty;
    this.height = scenario.startHeight;
    // Blocks of the current epoch so far are taken to have come at the target spacing.
    this.epochStartMs = startMs - (this.height % RETARGET_INTERVAL_BLOCKS) * TARGET_BLOCK_SPACING_SECONDS * 1000;
    this.hashrateNoiseDayIndex = 0;
    this.feesDayIndex = Math.floor(startMs / MS_PER_DAY);
    this.feesBtcPerDay = this.drawFees();
    this.lastMs = startMs;
    this.nextBlockMs = startMs + this.drawBlockIntervalMs(startMs);
  }

  /** Network hashrate (TH/s): the scenario's start over difficulty, growing on trend, with daily noise. */
  networkHashrateThs(atMs: number): number {
    const years = (atMs - this.startMs) / (365.25 * MS_PER_DAY);
    const growth = this.scenario.hashrateGrowthPerYear ?? this.model.hashrateGrowthPerYear;
    return (
      networkHashrateThsFromDifficulty(this.scenario.startDifficulty) *
      this.scenario.hashrateOverDifficulty *
      (1 + growth) ** years *
      Math.exp(this.hashrateNoise)
    );
  }

  /** Moves the price, the chain and the fees forward to `atMs` (monotone) and returns the state there. */
  advanceTo(atMs: number): BitcoinState {
    if (atMs < this.lastMs) throw new Error('BitcoinProcess.advanceTo must move forward in time');
    const dtDays = (atMs - this.lastMs) / MS_PER_DAY;
    if (dtDays > 0) this.stepPrice(dtDays);
    while (this.nextBlockMs <= atMs) this.mineBlock();
    const dayIndex = Math.floor(atMs / MS_PER_DAY);
    while (this.feesDayIndex < dayIndex) {
      this.feesDayIndex++;
      this.feesBtcPerDay = this.drawFees();
    }
    this.lastMs = atMs;
    return this.state(atMs);
  }

  private state(atMs: number): BitcoinState {
    const btcPriceUsd = Math.round(Math.exp(this.logPrice) * 100) / 100;
    const subsidyBtc = subsidyBtcAtHeight(this.height + 1);
    const inputs = { btcPriceUsd, difficulty: this.difficulty, subsidyBtc, feesBtcPerDay: this.feesBtcPerDay };
    return {
      atMs,
      height: this.height,
      networkHashrateThs: this.networkHashrateThs(atMs),
      ...inputs,
      hashpriceUsdPerThDay: Math.round(hashpriceUsdPerThDay(inputs) * 1e6) / 1e6,
    };
  }

  private stepPrice(dtDays: number): void {
    const { model, scenario, priceRng: rng } = this;
    const sigma = model.dailyVolatility * scenario.volatilityMultiplier;
    const drift = scenario.driftPerYear / 365.25 - (sigma * sigma) / 2;
    let change = drift * dtDays + sigma * Math.sqrt(dtDays) * normal(rng);
    const jumps = poisson(rng, model.jumpsPerDay * dtDays);
    for (let j = 0; j < jumps; j++) change += model.jumpMeanLog + model.jumpSigmaLog * normal(rng);
    this.logPrice += change;
  }

  private mineBlock(): void {
    const atMs = this.nextBlockMs;
    this.height++;
    if (this.height % 210_000 === 0) this.halvings.push({ height: this.height, atMs });
    if (this.height % RETARGET_INTERVAL_BLOCKS === 0) {
      // Bitcoin Core measures the epoch over 2,015 intervals (a known off-by-one); the 2,016 used here differs by 0.05%.
      const actualMs = Math.max(1, atMs - this.epochStartMs);
      const targetMs = RETARGET_INTERVAL_BLOCKS * TARGET_BLOCK_SPACING_SECONDS * 1000;
      const factor = Math.min(MAX_RETARGET_FACTOR, Math.max(1 / MAX_RETARGET_FACTOR, targetMs / actualMs));
      const previousDifficulty = this.difficulty;
      this.difficulty = previousDifficulty * factor;
      this.retargets.push({ height: this.height, atMs, previousDifficulty, difficulty: this.difficulty });
      this.epochStartMs = atMs;
    }
    this.nextBlockMs = atMs + this.drawBlockIntervalMs(atMs);
  }

  private drawBlockIntervalMs(atMs: number): number {
    const dayIndex = Math.floor((atMs - this.startMs) / MS_PER_DAY);
    while (this.hashrateNoiseDayIndex < dayIndex) {
      this.hashrateNoiseDayIndex++;
      this.hashrateNoise = ouStep(
        this.chainRng,
        this.hashrateNoise,
        this.model.hashrateNoisePhiPerDay,
        this.model.hashrateNoiseSigmaLog,
      );
    }
    const expectedSeconds = (this.difficulty * HASHES_PER_DIFFICULTY) / (this.networkHashrateThs(atMs) * 1e12);
    return Math.max(1000, Math.round(exponential(this.chainRng, expectedSeconds) * 1000));
  }

  private drawFees(): number {
    const { model, scenario } = this;
    const fees =
      model.feesBtcPerDayMedian * scenario.feesMultiplier * Math.exp(model.feesLogSigma * normal(this.chainRng));
    return Math.round(fees * 1e4) / 1e4;
  }
}
