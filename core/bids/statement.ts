import type { TenantClearing } from '../api/bids.js';
import type { Bid } from './bid.js';

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
        limitUsdPerGpuHour: bid.limitUsdPerGpuHour,
      })),
    )
    .sort((a, b) => a.intervalStart.localeCompare(b.intervalStart) || a.bidId.localeCompare(b.bidId));
}

export interface BidStatementSection {
  readonly lines: TenantClearing[];
  readonly gpuHours: number;
  readonly amountUsd: number;
  /** Credited back for fills whose work failed or missed the deadline (core/bids/fill-work.ts `fillWork`). */
  readonly creditUsd: number;
  /** What the tenant owes for its fills: amount minus credit. */
  readonly dueUsd: number;
}

/** A fill's key among a tenant's fills. */
export const fillKey = (bidId: string, clearingId: string) => `${bidId}#${clearingId}`;

/**
 * The fills whose interval starts in [fromMs, toMs), with their sums (micro-dollar, GPU-hours to 1e-6), and each
 * fill's credit by `fillKey` (none given: nothing credited).
 */
export function bidStatementSection(
  bids: readonly Bid[],
  fromMs: number,
  toMs: number,
  creditUsdByFill: ReadonlyMap<string, number> = new Map(),
): BidStatementSection {
  const lines = tenantClearings(bids)
    .filter((l) => {
      const at = Date.parse(l.intervalStart);
      return at >= fromMs && at < toMs;
    })
    .map((l) => ({ ...l, creditUsd: creditUsdByFill.get(fillKey(l.bidId, l.clearingId)) ?? 0 }));
  const sum = (f: (l: (typeof lines)[number]) => number) =>
    Math.round(lines.reduce((a, l) => a + Math.round(f(l) * 1e6), 0)) / 1e6;
  const amountUsd = sum((l) => l.amountUsd);
  const creditUsd = sum((l) => l.creditUsd);
  return {
    lines,
    gpuHours: sum((l) => l.gpuHours),
    amountUsd,
    creditUsd,
    dueUsd: Math.round((amountUsd - creditUsd) * 1e6) / 1e6,
  };
}
