import { z } from 'zod';
import type { MeteredAttempt } from '../metering/usage.js';
import { nonNegative } from '../support/schema.js';

const sums = {
  attempts: z.number().int().nonnegative(),
  /** What customers pay for the partner attempts. */
  priceUsd: nonNegative,
  /** What the partners charge HCP for them. */
  partnerCostUsd: nonNegative,
  /** Price minus cost (negative when a partner billed more tokens than it was quoted for). */
  marginUsd: z.number().finite(),
};

/** The partner part of a statement or of the fleet's figures: attempts partners ran, price, cost, margin. */
export const partnerTotalsSchema = z.object({
  ...sums,
  byPartner: z.record(z.string(), z.object(sums)),
});
export type PartnerTotals = z.infer<typeof partnerTotalsSchema>;

const MICRO = 1e6;
const microSum = (values: readonly number[]) => values.reduce((s, v) => s + Math.round(v * MICRO), 0) / MICRO;

function sumsOf(lines: readonly MeteredAttempt[]) {
  const priceUsd = microSum(lines.map((l) => l.priceUsd));
  const partnerCostUsd = microSum(lines.map((l) => l.partnerCostUsd ?? 0));
  return { attempts: lines.length, priceUsd, partnerCostUsd, marginUsd: microSum([priceUsd, -partnerCostUsd]) };
}

export const isPartnerLine = (line: MeteredAttempt): boolean => line.partnerId !== undefined;

/** The partner lines' totals, overall and per partner, in micro-units so price = cost + margin exactly. */
export function partnerTotals(lines: readonly MeteredAttempt[]): PartnerTotals {
  const partnerLines = lines.filter(isPartnerLine);
  const ids = [...new Set(partnerLines.map((l) => l.partnerId!))].sort();
  return {
    ...sumsOf(partnerLines),
    byPartner: Object.fromEntries(ids.map((id) => [id, sumsOf(partnerLines.filter((l) => l.partnerId === id))])),
  };
}
