import { type ModelClassBook, orderBook } from '../../core/bids/order-book.js';
import type { ClearingRecord, DynamoBidStore } from '../../functions/shared/data/bid-store.js';

/**
 * The bid market as the dashboard shows it (issue 28): the order book of the open bids, the latest clearings with
 * their uniform prices, and the partner's share of the filled GPU-hours over the last simulated day (null before any
 * fill). Read from the bid store every `everyRealMs` and kept, so the observer's snapshot stays synchronous.
 */
export interface BidMarketView {
  readonly book: ModelClassBook[];
  readonly clearings: ClearingRecord[];
  readonly partnerShare: number | null;
}

/** The partner's share of the GPU-hours filled in these clearings, 0–1; null when nothing was filled. */
export function partnerShareOf(clearings: readonly ClearingRecord[]): number | null {
  const fills = clearings.flatMap((c) => c.fills);
  const total = fills.reduce((a, f) => a + f.gpuHours, 0);
  if (total <= 0) return null;
  return fills.filter((f) => f.venue === 'partner').reduce((a, f) => a + f.gpuHours, 0) / total;
}

/** Clearings the dashboard lists, newest first. */
const RECENT_CLEARINGS = 12;

export function watchBidMarket(
  store: Pick<DynamoBidStore, 'open' | 'clearings'>,
  simNowMs: () => number,
  everyRealMs = 1000,
): { view(): BidMarketView | null; stop(): void } {
  let latest: BidMarketView | null = null;
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    try {
      const nowMs = simNowMs();
      const [open, clearings] = await Promise.all([
        store.open(),
        store.clearings(new Date(nowMs - 24 * 3_600_000).toISOString(), new Date(nowMs).toISOString()),
      ]);
      latest = {
        book: orderBook(open, nowMs),
        clearings: clearings.slice(-RECENT_CLEARINGS).reverse(),
        partnerShare: partnerShareOf(clearings),
      };
    } catch {
      // The table is stopping (shutdown) or busy: keep the last view; the next tick tries again.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void refresh(), everyRealMs);
  timer.unref();
  void refresh();
  return { view: () => latest, stop: () => clearInterval(timer) };
}
