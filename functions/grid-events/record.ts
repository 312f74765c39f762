import { type GridEventSiteFacts, gridEventChange } from '../../core/grid-events/grid-event.js';
import type { GridSignal } from '../../core/messages/grid-signal.js';
import type { GridEventStore } from './ports.js';

/** The frequency at which a tripped site is loaded again: the gateway's default `frequencyRestoreHz`. */
export const FREQUENCY_RESTORE_HZ = 59.9;

export interface RecordDeps {
  readonly store: GridEventStore;
  /** The sites a signal concerns, with their ladder: a market signal concerns every site at its node. */
  readonly sitesFor: (signal: GridSignal, siteId?: string) => Promise<readonly GridEventSiteFacts[]>;
  /** @default FREQUENCY_RESTORE_HZ */
  readonly restoreHz?: number;
}

/**
 * Records what a grid signal starts or ends at the sites it reaches: a DR deployment or recall and an under-frequency
 * excursion on a site's grid topic, a real-time price on a node's market topic. The cloud sees every one of them (it
 * relays the market and receives the deployments), so the record does not depend on a gateway reporting back; the
 * evidence then shows from telemetry what the site actually did.
 */
export async function recordGridSignal(signal: GridSignal, deps: RecordDeps, siteId?: string): Promise<number> {
  let changes = 0;
  for (const facts of await deps.sitesFor(signal, siteId)) {
    const open = await deps.store.openAt(facts.site.id);
    const change = gridEventChange(signal, facts, open, deps.restoreHz ?? FREQUENCY_RESTORE_HZ);
    if (change.close) await deps.store.close(change.close.id, change.close.endAt);
    if (change.open) await deps.store.open(change.open);
    if (change.open || change.close) changes += 1;
  }
  return changes;
}
