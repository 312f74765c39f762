import { z } from 'zod';
import { type GridSignal, UNDER_FREQUENCY_TRIP_HZ } from '../messages/grid-signal.js';
import type { LadderRung } from '../model/plan.js';
import type { Site } from '../model/site.js';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

/**
 * A grid event: one site's response to the grid it must be able to prove afterwards (measurement and verification).
 * Four kinds: a demand-response deployment (ERS, or a voluntary program), an under-frequency trip (a Load Resource's
 * relay at 59.7 Hz, RRS), a 4CP curtailment (the site avoiding a coincident peak) and a price-driven curtailment (the
 * ladder's rungs above the real-time price). Pure: made from the signals the cloud relays or receives for a site.
 */
export const gridEventKindSchema = z.enum(['demand-response', 'under-frequency', 'four-cp', 'price-curtailment']);
export type GridEventKind = z.infer<typeof gridEventKindSchema>;

/** The market program whose rules measure the event (ERS, a Load Resource's ancillary service, or none). */
export const gridEventProgramSchema = z.enum(['ERS', 'RRS', 'ECRS', 'NSRS', 'none']);
export type GridEventProgram = z.infer<typeof gridEventProgramSchema>;

export const fourCpEventDetailSchema = z.object({
  /** The plan that curtailed, and when its 4CP forecast was made on system load known up to when. */
  planVersion: z.number().int().positive(),
  forecastAt: isoInstantSchema,
  loadKnownTo: isoInstantSchema,
  /** The probability that the window holds the month's coincident peak: its hours' probabilities summed (at most
   * one hour holds it, so the events are exclusive), capped at 1. */
  peakProbability: z.number().min(0).max(1),
  /** Each forecast hour the window touches, with its probability. */
  hours: z.array(z.object({ startAt: isoInstantSchema, peakProbability: z.number().min(0).max(1) })).max(48),
  /** What one coincident peak costs per MW of load in it (the site's tariff / 4). */
  usdPerMwPerPeak: nonNegative,
  /** Planned: peakProbability × committedMw × usdPerMwPerPeak. The evidence's settlement uses the measured MW. */
  expectedChargeAvoidedUsd: nonNegative,
});
export type FourCpEventDetail = z.infer<typeof fourCpEventDetailSchema>;

export const gridEventSchema = z
  .object({
    /** `ge-<start epoch ms>-<kind>-<siteId>`: sorts by start (13-digit epoch ms until 2286), unique per site and kind. */
    id: idSchema,
    kind: gridEventKindSchema,
    program: gridEventProgramSchema,
    siteId: siteIdSchema,
    startAt: isoInstantSchema,
    /** Absent while the event lasts. */
    endAt: isoInstantSchema.optional(),
    /** The load the site was to drop: the deployment's MW, the trip groups' or the held rungs' power. */
    committedMw: nonNegative,
    /** What started it, in words a reader can check: `DR deploy local-dr-1 (2 MW)`, `price 2500 $/MWh`. */
    cause: z.string().min(1).max(300),
    /** The real-time price at the start, where the signal carried one. */
    priceUsdPerMwh: z.number().finite().optional(),
    /** The program's own event id (a DR deployment's). */
    sourceEventId: idSchema.optional(),
    /** A 4CP curtailment's reason: the forecast that triggered it and the charge it was to avoid. */
    fourCp: fourCpEventDetailSchema.optional(),
  })
  .meta({ id: 'GridEvent' });
export type GridEvent = z.infer<typeof gridEventSchema>;

export const gridEventIdOf = (kind: GridEventKind, siteId: string, startMs: number) =>
  `ge-${startMs}-${kind}-${siteId}`;

/** What a site can shed, as the recorder needs it: its ladder, trip groups and DR commitment. */
export interface GridEventSiteFacts {
  readonly site: Site;
  /** The current plan's merit-order ladder for the site; empty before the first plan. */
  readonly ladder: readonly LadderRung[];
}

/** What a signal changes: an event opened, one closed (by id, at), or nothing. */
export interface GridEventChange {
  readonly open?: GridEvent;
  readonly close?: { readonly id: string; readonly endAt: string };
}

/** The ladder's power held at `priceUsdPerMwh`: every rung whose stop price is below it (what the gateway holds). */
export const heldKwAtPrice = (ladder: readonly LadderRung[], priceUsdPerMwh: number) =>
  ladder.filter((r) => r.stopAbovePriceUsdPerMwh < priceUsdPerMwh).reduce((kw, r) => kw + r.sheddableKw, 0);

/**
 * The power the site's under-frequency trip groups shed, MW: from their top target to asleep (a tripped miner sleeps,
 * it still draws its sleep power), at the grid with the facility overhead (× PUE), as the ladder's sheddable kW and
 * the evidence's meter are (core/grid-events/evidence.ts meterBasisSchema).
 */
export function tripMw(site: Site): number {
  const kw = site.asicGroups
    .filter((g) => g.frequencyTrip)
    .reduce(
      (sum, g) => sum + (g.unitCount * ((g.powerCurve.at(-1)?.powerW ?? g.nominalPowerW) - g.sleepPowerW)) / 1000,
      0,
    );
  return (kw * site.pue) / 1000;
}

const drProgramOf = (site: Site): GridEventProgram => {
  const program = site.demandResponse[0]?.program;
  if (program === 'ERS-10' || program === 'ERS-30') return 'ERS';
  if (program === 'ECRS') return 'ECRS';
  return 'none';
};

/**
 * The change a signal makes to a site's events, given the ones open at the site. Pure. A DR deploy opens a
 * demand-response event (its MW, else the site's committed MW) and its recall closes it; a frequency below 59.7 Hz
 * opens an under-frequency trip and a frequency back at or above `restoreHz` closes it; a price that holds rungs
 * opens a price curtailment and a price that holds none closes it. A signal that repeats an open event's state
 * changes nothing (events are not re-opened by every relay).
 */
export function gridEventChange(
  signal: GridSignal,
  facts: GridEventSiteFacts,
  open: readonly GridEvent[],
  restoreHz: number,
): GridEventChange {
  const { site } = facts;
  const openOf = (kind: GridEventKind) => open.find((e) => e.kind === kind && e.siteId === site.id && !e.endAt);
  const opening = (kind: GridEventKind, rest: Omit<GridEvent, 'id' | 'kind' | 'siteId' | 'startAt'>): GridEvent => ({
    id: gridEventIdOf(kind, site.id, Date.parse(signal.at)),
    kind,
    siteId: site.id,
    startAt: signal.at,
    ...rest,
  });
  const closing = (event: GridEvent | undefined): GridEventChange =>
    event ? { close: { id: event.id, endAt: signal.at } } : {};
  if (signal.kind === 'demand-response') {
    const current = openOf('demand-response');
    if (signal.action === 'recall') return closing(current);
    if (current) return {};
    const committedMw = signal.deployMw ?? site.demandResponse.reduce((mw, e) => mw + e.committedMw, 0);
    return {
      open: opening('demand-response', {
        program: drProgramOf(site),
        committedMw,
        cause: `DR deploy ${signal.eventId} (${committedMw} MW)`,
        sourceEventId: signal.eventId,
      }),
    };
  }
  if (signal.kind === 'frequency') {
    const current = openOf('under-frequency');
    if (signal.frequencyHz >= restoreHz) return closing(current);
    if (current || signal.frequencyHz >= UNDER_FREQUENCY_TRIP_HZ) return {};
    return {
      open: opening('under-frequency', {
        program: 'RRS',
        committedMw: tripMw(site),
        cause: `under-frequency ${signal.frequencyHz} Hz`,
      }),
    };
  }
  const current = openOf('price-curtailment');
  const heldKw = heldKwAtPrice(facts.ladder, signal.priceUsdPerMwh);
  if (heldKw <= 0) return closing(current);
  if (current) return {};
  return {
    open: opening('price-curtailment', {
      program: 'none',
      committedMw: heldKw / 1000,
      cause: `price ${signal.priceUsdPerMwh} $/MWh above ${facts.ladder.filter((r) => r.stopAbovePriceUsdPerMwh < signal.priceUsdPerMwh).length} rung(s)`,
      priceUsdPerMwh: signal.priceUsdPerMwh,
    }),
  };
}

/**
 * A 4CP curtailment the planner decided (core/grid-events/four-cp-curtailment.ts): recorded whole, opened and closed
 * by its planned window, with the forecast that triggered it.
 */
export function fourCpEvent(
  siteId: string,
  window: { readonly startAt: string; readonly endAt: string; readonly committedMw: number },
  detail: FourCpEventDetail,
): GridEvent {
  return gridEventSchema.parse({
    id: gridEventIdOf('four-cp', siteId, Date.parse(window.startAt)),
    kind: 'four-cp',
    program: 'none',
    siteId,
    ...window,
    cause: `4CP curtailment (peak probability ${(detail.peakProbability * 100).toFixed(1)}%, plan v${detail.planVersion})`,
    fourCp: detail,
  });
}
