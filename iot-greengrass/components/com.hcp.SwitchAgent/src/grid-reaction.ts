import { type GridSignal, gridSignalSchema, UNDER_FREQUENCY_TRIP_HZ } from '../../../../core/messages/grid-signal.js';
import type { LadderRung } from '../../../../core/model/plan.js';
import type { Site } from '../../../../core/model/site.js';
import type { SwitchAgentConfig } from './config.js';
import type { HoldChange } from './curtailment-book.js';
import { rungsAbovePrice, rungsBelowRestorePrice, rungsForShed } from './ladder.js';

/** What the site does on local signals, fixed at start-up from the configuration and the site model. */
export interface GridPolicy {
  readonly priceHysteresisUsdPerMwh: number;
  readonly frequencyRestoreHz: number;
  /** Groups tripped on under-frequency. */
  readonly tripGroups: readonly string[];
  /** The demand-response commitment shed when a deployment names no amount. */
  readonly committedMw: number;
}

export function gridPolicy(config: SwitchAgentConfig, site?: Site): GridPolicy {
  return {
    priceHysteresisUsdPerMwh: config.priceHysteresisUsdPerMwh,
    frequencyRestoreHz: config.frequencyRestoreHz,
    tripGroups: config.frequencyTripGroups ?? (site?.asicGroups ?? []).filter((g) => g.frequencyTrip).map((g) => g.id),
    committedMw: config.committedMw ?? (site?.demandResponse ?? []).reduce((mw, e) => mw + e.committedMw, 0),
  };
}

/** A grid-topic message read as a signal, or why not. Pure. */
export function parseGridSignal(
  text: string,
): { readonly ok: true; readonly signal: GridSignal } | { readonly ok: false; readonly detail: string | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const parsed = gridSignalSchema.safeParse(json);
  return parsed.success ? { ok: true, signal: parsed.data } : { ok: false, detail: parsed.error.issues[0]?.message };
}

/**
 * The site's reaction to a local signal, without a cloud round trip. Pure. A price holds the ladder's rungs it is above
 * and lets back those it is far enough below (hysteresis); an under-frequency trips the trip groups until frequency
 * recovers; a demand-response deployment sheds the cheapest rungs covering its amount until recalled.
 */
export function gridReaction(signal: GridSignal, ladder: readonly LadderRung[], policy: GridPolicy): HoldChange {
  if (signal.kind === 'price') {
    return {
      reason: 'price',
      hold: rungsAbovePrice(ladder, signal.priceUsdPerMwh),
      release: rungsBelowRestorePrice(ladder, signal.priceUsdPerMwh, policy.priceHysteresisUsdPerMwh),
    };
  }
  if (signal.kind === 'frequency') {
    if (signal.frequencyHz < UNDER_FREQUENCY_TRIP_HZ) return { reason: 'frequency', hold: policy.tripGroups };
    // Between the trip and the restore threshold nothing changes: a recovering grid is not loaded again too early.
    return signal.frequencyHz >= policy.frequencyRestoreHz
      ? { reason: 'frequency', release: 'all' }
      : { reason: 'frequency' };
  }
  if (signal.action === 'deploy') {
    const shedKw = (signal.deployMw ?? policy.committedMw) * 1000;
    return { reason: 'demand-response', hold: rungsForShed(ladder, shedKw) };
  }
  return { reason: 'demand-response', release: 'all' };
}
