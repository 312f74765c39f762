const JOULES_PER_MWH = 3.6e9;
const SECONDS_PER_DAY = 86_400;
const KW_PER_MW = 1000;

/** Cost of drawing `powerKw` for `durationHours` at `priceUsdPerMwh` (negative prices pay the load). */
export function energyCostUsd(powerKw: number, durationHours: number, priceUsdPerMwh: number): number {
  return (powerKw / KW_PER_MW) * durationHours * priceUsdPerMwh;
}

/** Mining revenue of `hashrateThs` for `durationHours` at a hashprice in $/TH/s/day. */
export function miningRevenueUsd(hashrateThs: number, durationHours: number, hashpriceUsdPerThDay: number): number {
  return hashrateThs * hashpriceUsdPerThDay * (durationHours / 24);
}

/** Energy efficiency in J/TH from power and hashrate. */
export function efficiencyJPerTh(powerW: number, hashrateThs: number): number {
  return powerW / hashrateThs;
}

/**
 * Electricity price above which a miner loses money: hashprice divided by the MWh one TH/s uses in a day.
 * `pue` adds facility overhead (cooling, conversion) to the miner's own draw.
 * S21 at 17.5 J/TH, hashprice $0.05/TH/s/day, PUE 1: 0.05 / (17.5 × 86400 / 3.6e9) ≈ $119/MWh.
 */
export function breakevenPriceUsdPerMwh(hashpriceUsdPerThDay: number, efficiencyJPerThValue: number, pue = 1): number {
  const mwhPerThDay = (efficiencyJPerThValue * pue * SECONDS_PER_DAY) / JOULES_PER_MWH;
  return hashpriceUsdPerThDay / mwhPerThDay;
}

/**
 * Electricity price above which a serving GPU loses money: revenue per GPU-hour over the MWh it draws in an hour.
 */
export function gpuBreakevenPriceUsdPerMwh(revenueUsdPerGpuHour: number, servingPowerW: number, pue = 1): number {
  const mwhPerGpuHour = (servingPowerW * pue) / 1e6;
  return revenueUsdPerGpuHour / mwhPerGpuHour;
}
