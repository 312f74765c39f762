import { type Bid, type BidFill, bidServableIn, remainingGpuHours } from '../../core/bids/bid.js';
import { type ClearingBid, clearBids, fillAmountUsd } from '../../core/bids/clearing.js';
import { fillPartTokens, tokensPerGpuHour } from '../../core/bids/fill-work.js';
import { type BidPartnerDecision, bidPartnerDecision } from '../../core/partners/bid-quote.js';
import type { Partner } from '../../core/partners/catalogue.js';
import type { PartnerCatalogueSource, PartnerSettingsSource } from '../partners/ports.js';
import type { BidFillWrite, ClearingRecord, DynamoBidStore } from '../shared/data/bid-store.js';

/**
 * Clears one interval's bids against the GPU-hours the plan assigned to bids, per model class (core/bids/clearing.ts),
 * and records the fills with the clearing in one transaction per class. A bid that changed since the read (cancelled,
 * amended) makes the transaction fail as a whole: it is read again from its own item (the open-bids index may lag) and
 * the class is cleared again, so a cancelled bid is never filled (at a site or a partner) and the price is always that
 * of the fills written. Bids whose deadline has passed are closed as expired first, with the reason no venue took them.
 *
 * Partner venue: a bid the sites leave unfilled in the interval and that cannot wait past the next one (its remaining
 * work on its GPUs would no longer fit before its deadline; one interval of slack for a dispatch that runs late) is
 * offered to the cheapest partner its tenant allows
 * (core/partners/bid-quote.ts), filled whole there at the partner's cost + margin when that is within the bid's limit
 * and the tenant's cap, else skipped with the reason. A bid that got a site fill in the interval waits for the next.
 *
 * Every recorded fill's work is then created (functions/bids/fill-work.ts), also for a clearing recorded earlier (a
 * retried step finds its parts already there).
 */
export type BidClearingStore = Pick<DynamoBidStore, 'open' | 'get' | 'replace' | 'recordClearing' | 'clearings'>;

export interface BidVenues {
  /** The partner catalogue and tenants' settings. @default none: bids go to sites only */
  readonly partners?: { readonly catalogue: PartnerCatalogueSource; readonly settings: PartnerSettingsSource };
  /** Creates a recorded fill's work. @default none: fills are billed only (a test of the clearing alone) */
  readonly work?: (bid: Bid, fill: BidFill, submittedAt: string) => Promise<unknown>;
}

export interface IntervalToClear {
  readonly intervalStart: string;
  readonly intervalEnd: string;
  /** GPU-hours the plan assigns to bids in the interval, per model class (a class of open bids not named has none). */
  readonly capacityGpuHoursByClass: Readonly<Record<string, number>>;
  readonly nowIso: string;
}

/** One transaction holds at most 100 writes: 99 fills and the clearing record. */
const MAX_FILLS_PER_CLEARING = 99;
const MAX_ATTEMPTS = 5;
const HOUR_MS = 3_600_000;

export const clearingBidOf = (bid: Bid): ClearingBid => ({
  id: bid.id,
  tenantId: bid.tenantId,
  limitUsdPerGpuHour: bid.limitUsdPerGpuHour,
  remainingGpuHours: remainingGpuHours(bid),
  allOrNothing: bid.allOrNothing,
  placedAt: bid.placedAt,
  status: bid.status,
});

/** Whether a bid waiting past `afterMs` could no longer run its remaining work on its GPUs before its deadline. */
export const cannotWait = (bid: Bid, afterMs: number): boolean =>
  Date.parse(bid.deadlineAt) - afterMs < (remainingGpuHours(bid) / bid.maxGpus) * HOUR_MS;

export async function clearInterval(
  store: BidClearingStore,
  interval: IntervalToClear,
  venues: BidVenues = {},
): Promise<ClearingRecord[]> {
  const fromMs = Date.parse(interval.intervalStart);
  const toMs = Date.parse(interval.intervalEnd);
  const partnerOf = partnerDecisions(venues, Date.parse(interval.nowIso));
  let open = await store.open();
  for (const bid of open.filter((b) => Date.parse(b.deadlineAt) <= fromMs)) {
    const decision = await partnerOf(bid);
    const unfilledReason = decision.kind === 'none' ? decision.reason : 'no_site_capacity';
    await store.replace({
      ...bid,
      status: 'expired',
      unfilledReason,
      updatedAt: interval.nowIso,
      version: bid.version + 1,
    });
  }
  open = open.filter((b) => Date.parse(b.deadlineAt) > fromMs);
  const classes = [...new Set([...Object.keys(interval.capacityGpuHoursByClass), ...open.map((b) => b.modelClass)])];
  const records: ClearingRecord[] = [];
  for (const modelClass of classes.sort()) {
    const capacityGpuHours = interval.capacityGpuHoursByClass[modelClass] ?? 0;
    let bids = open.filter((b) => b.modelClass === modelClass);
    for (let attempt = 1; ; attempt += 1) {
      const servable = bids.filter((b) => bidServableIn(b, fromMs, toMs));
      const result = clearBids(servable.map(clearingBidOf), capacityGpuHours);
      const siteFills = result.fills.slice(0, MAX_FILLS_PER_CLEARING);
      const price = siteFills.length ? Math.min(...siteFills.map((f) => f.limitUsdPerGpuHour)) : null;
      const clearingId = `${interval.intervalStart}#${modelClass}`;
      const fill = (gpuHours: number, priceUsdPerGpuHour: number): BidFill => ({
        clearingId,
        intervalStart: interval.intervalStart,
        gpuHours,
        priceUsdPerGpuHour,
        amountUsd: fillAmountUsd(gpuHours, priceUsdPerGpuHour),
        venue: 'site',
      });
      const writes: BidFillWrite[] = siteFills.map((f) => ({
        bid: servable.find((b) => b.id === f.bidId)!,
        fill: fill(f.gpuHours, price!),
      }));
      const skipped: Array<{ bidId: string; reason: string; detail?: string }> = [...result.skipped];
      const siteFilled = new Set(siteFills.map((f) => f.bidId));
      // Looking one interval further than the next clearing: a dispatch that runs late must not leave a bid no chance.
      const waitUntilMs = toMs + (toMs - fromMs);
      const mustGo = venues.partners ? servable.filter((b) => !siteFilled.has(b.id) && cannotWait(b, waitUntilMs)) : [];
      for (const bid of mustGo) {
        const decision = await partnerOf(bid);
        // The sites' reason stays (e.g. all-or-nothing-does-not-fit); the partner's follows it, or the fill replaces it.
        if (decision.kind === 'none') {
          skipped.push({ bidId: bid.id, reason: decision.reason, detail: decision.detail });
          continue;
        }
        if (writes.length >= MAX_FILLS_PER_CLEARING) continue;
        const at = skipped.findIndex((s) => s.bidId === bid.id);
        if (at >= 0) skipped.splice(at, 1);
        const { quote } = decision;
        const gpuHours = remainingGpuHours(bid);
        const amountUsd = fillAmountUsd(gpuHours, quote.priceUsdPerGpuHour);
        const partnerCostUsd = fillAmountUsd(gpuHours, quote.costUsdPerGpuHour);
        writes.push({
          bid,
          fill: {
            ...fill(gpuHours, quote.priceUsdPerGpuHour),
            venue: 'partner',
            partnerId: quote.partnerId,
            partnerCostUsd,
            marginUsd: Math.round((amountUsd - partnerCostUsd) * 1e6) / 1e6,
          },
        });
      }
      // A class with no capacity and nothing offered to a partner is not news: no record.
      if (capacityGpuHours <= 0 && writes.length === 0 && !skipped.some((s) => s.reason.startsWith('partner_'))) break;
      const record: ClearingRecord = {
        clearingId,
        intervalStart: interval.intervalStart,
        modelClass,
        priceUsdPerGpuHour: price,
        capacityGpuHours,
        fills: writes.map((w) => ({ bidId: w.bid.id, tenantId: w.bid.tenantId, ...pick(w.fill) })),
        skipped,
        clearedAt: interval.nowIso,
      };
      const outcome = await store.recordClearing(record, writes);
      if (outcome.ok) {
        if (!outcome.alreadyCleared) records.push(record);
        await createWork(store, venues, outcome.alreadyCleared ? await storedRecord(store, record) : record);
        break;
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`clearing ${clearingId}: bids kept changing (${outcome.conflicted})`);
      // Read the changed bids from their own items: the index may still show a cancelled bid as open.
      const fresh = await Promise.all(
        outcome.conflicted.map((id) => store.get(bids.find((b) => b.id === id)!.tenantId, id)),
      );
      bids = bids.map((b) => fresh.find((f) => f?.id === b.id) ?? b);
    }
  }
  return records;
}

const pick = (fill: BidFill) => ({
  gpuHours: fill.gpuHours,
  amountUsd: fill.amountUsd,
  venue: fill.venue ?? 'site',
  ...(fill.partnerId ? { partnerId: fill.partnerId } : {}),
});

/** The partner decision of each bid, reading the catalogue once per clearing and each tenant's settings once. */
function partnerDecisions(venues: BidVenues, nowMs: number): (bid: Bid) => Promise<BidPartnerDecision> {
  const { partners } = venues;
  let catalogue: Promise<readonly Partner[]> | undefined;
  const settings = new Map<string, ReturnType<PartnerSettingsSource['get']>>();
  return async (bid) => {
    if (!partners) return { kind: 'none', reason: 'no_site_capacity', detail: 'no partner venue is configured' };
    catalogue ??= partners.catalogue.partners();
    if (!settings.has(bid.tenantId)) settings.set(bid.tenantId, partners.settings.get(bid.tenantId));
    const perGpuHour = tokensPerGpuHour(bid.modelClass);
    if (perGpuHour === undefined) {
      return { kind: 'none', reason: 'partner_not_allowed', detail: `no token figure for ${bid.modelClass}` };
    }
    const timing = {
      nowMs,
      deadlineMs: Date.parse(bid.deadlineAt),
      largestPartTokens: Math.max(...fillPartTokens(bid.modelClass, remainingGpuHours(bid))),
    };
    return bidPartnerDecision(bid, await catalogue, await settings.get(bid.tenantId), perGpuHour, timing);
  };
}

async function storedRecord(store: BidClearingStore, record: ClearingRecord): Promise<ClearingRecord | undefined> {
  const stored = await store.clearings(record.intervalStart, record.intervalStart);
  return stored.find((r) => r.clearingId === record.clearingId);
}

/** Each of the record's fills as work, read from its bid (the fill as stored, the same on every run). */
async function createWork(store: BidClearingStore, venues: BidVenues, record: ClearingRecord | undefined) {
  if (!venues.work || !record) return;
  for (const entry of record.fills) {
    const bid = await store.get(entry.tenantId, entry.bidId);
    const filled = bid?.fills.find((f) => f.clearingId === record.clearingId);
    if (bid && filled) await venues.work(bid, filled, record.clearedAt);
  }
}
