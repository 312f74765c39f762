/**
 * ERCOT transmission charges under 4CP: a transmission-metered customer pays its utility (TDSP) a yearly charge per
 * kW of its average load in the four coincident peaks (June–September), so each peak carries a quarter of the yearly
 * rate. Rates are the utility's tariff (billed $/kW per month on the 4CP average); the default, ~$5.5/kW-month ×
 * 12 ≈ $66/kW-year, is the figure the optimizer used before it was configurable per site (DEFAULT_GRID_TERMS).
 */
export const DEFAULT_TRANSMISSION_USD_PER_KW_YEAR = 66;

/** Upper bound a site's configured rate is checked against (several times any Texas TDSP's 4CP tariff). */
export const MAX_TRANSMISSION_USD_PER_KW_YEAR = 500;

/**
 * The charge one coincident peak carries, $ per MW of the site's load in that peak interval: the site's configured
 * rate, else `fallbackUsdPerMwPerPeak` (the grid terms'), else the default rate.
 */
export function fourCpUsdPerMwPerPeak(
  site: { readonly transmissionUsdPerKwYear?: number },
  fallbackUsdPerMwPerPeak?: number,
): number {
  if (site.transmissionUsdPerKwYear !== undefined) return (site.transmissionUsdPerKwYear * 1000) / 4;
  return fallbackUsdPerMwPerPeak ?? (DEFAULT_TRANSMISSION_USD_PER_KW_YEAR * 1000) / 4;
}
