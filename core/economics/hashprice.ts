/** 2^32 hashes per unit of difficulty: the expected work to find a block is difficulty × 2^32. */
const HASHES_PER_DIFFICULTY = 2 ** 32;
const SECONDS_PER_DAY = 86_400;
const BLOCKS_PER_DAY = 144;
const HASHES_PER_TERAHASH = 1e12;

export interface HashpriceInputs {
  readonly btcPriceUsd: number;
  readonly difficulty: number;
  readonly subsidyBtc: number;
  readonly feesBtcPerDay: number;
}

/**
 * Expected USD earned per TH/s per day: price × (subsidy + fees per block) × blocks won per TH/s per day.
 * A TH/s does 86,400 × 1e12 hashes a day; a block takes difficulty × 2^32 hashes on average.
 * Same formula as sim/data/README.md (how the shipped hashprice file was computed).
 */
export function hashpriceUsdPerThDay(inputs: HashpriceInputs): number {
  const btcPerBlock = inputs.subsidyBtc + inputs.feesBtcPerDay / BLOCKS_PER_DAY;
  const blocksPerThDay = (SECONDS_PER_DAY * HASHES_PER_TERAHASH) / (inputs.difficulty * HASHES_PER_DIFFICULTY);
  return inputs.btcPriceUsd * btcPerBlock * blocksPerThDay;
}

/** Block subsidy at a height: 50 BTC halved every 210,000 blocks. */
export function subsidyBtcAtHeight(height: number): number {
  const halvings = Math.floor(height / 210_000);
  return halvings >= 64 ? 0 : 50 / 2 ** halvings;
}

/** Network hashrate (TH/s) implied by a difficulty at the 600 s target spacing. */
export function networkHashrateThsFromDifficulty(difficulty: number): number {
  return (difficulty * HASHES_PER_DIFFICULTY) / 600 / HASHES_PER_TERAHASH;
}
