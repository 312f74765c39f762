import type { TenantClearing } from '../api/bids.js';
import { type Bid, bidUnitOf } from './bid.js';

/**
 * A tenant's fills as lines: the clearing history (every fill) and the statement's bid section (the fills of a
 * month). Each fill was billed at its interval's uniform price when it cleared (clearing.ts fillAmountUsd), so the
 * lines add up to the fills exactly.
 */
export function tenantClearings(bids: readonly Bid[]): TenantClearing[] {
  return bids
    .flatMap((bid) =>
      bid.fills.map((fill) => ({
        ...fill,
        bidId: bid.id,
        modelClass: bid.modelClass,
        unit: bidUnitOf(bid),
        limitUsdPerGpuHour: bid.limitUsdPerGpuHour,
        ...(bid.limitUsdPerMillionTokens === undefined
          ? {}
          : { limitUsdPerMillionTokens: bid.limitUsdPerMillionTokens }),
      })),
    )
    .sort((a, b) => a.intervalStart.localeCompare(b.intervalStart) || a.bidId.localeCompare(b.bidId));
}

export interface BidStatementSection {
  readonly lines: TenantClearing[];
  readonly gpuHours: number;
  readonly amountUsd: number;
}

/** The fills whose interval starts in [fromMs, toMs), with their sums (micro-dollar, GPU-hours to 1e-6). */
export function bidStatementSection(bids: readonly Bid[], fromMs: number, toMs: number): BidStatementSection {
  const lines = tenantClearings(bids).filter((l) => {
    const at = Date.parse(l.intervalStart);
    return at >= fromMs && at < toMs;
  });
  const sum = (f: (l: TenantClearing) => number) => Math.round(lines.reduce((a, l) => a + f(l), 0) * 1e6) / 1e6;
  return { lines, gpuHours: sum((l) => l.gpuHours), amountUsd: sum((l) => l.amountUsd) };
}
