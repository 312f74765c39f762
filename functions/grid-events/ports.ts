import type { CursorPosition } from '../../core/api/pagination.js';
import type { GridEvent } from '../../core/grid-events/grid-event.js';
import type { EventTelemetry, SiteSwitch } from '../../core/grid-events/telemetry.js';
import type { Page } from '../shared/data/dynamo-helpers.js';

/** The grid events: opened and closed by the recorder, read by the API. */
export interface GridEventStore {
  /** Stores a new event and marks it open at its site (one open event per site and kind). */
  open(event: GridEvent): Promise<void>;
  /** Stores an event decided whole, start and end (a planned 4CP window); a second record of its id changes nothing. */
  record(event: GridEvent): Promise<void>;
  /** Sets the end of an open event and clears its open mark; a second close changes nothing. */
  close(id: string, endAt: string): Promise<void>;
  /** The site's open events. */
  openAt(siteId: string): Promise<GridEvent[]>;
  get(id: string): Promise<GridEvent | undefined>;
  /** Newest first. */
  list(limit: number, after?: CursorPosition): Promise<Page<GridEvent>>;
}

/** Telemetry over a window: the site meter and each device's samples (core/grid-events/telemetry.ts). */
export interface TelemetryHistory {
  read(siteId: string, fromMs: number, toMs: number): Promise<EventTelemetry>;
}

/** The site's switch history over a window (functions/shared/data/switch-log-store.ts), oldest first. */
export interface SwitchHistory {
  between(siteId: string, fromMs: number, toMs: number): Promise<SiteSwitch[]>;
}

/** What storing a document once did: `stored`, or `exists` (it was there already: the stored bytes are returned). */
export type ArchiveResult = { readonly outcome: 'stored' } | { readonly outcome: 'exists'; readonly bytes: Buffer };

/**
 * Immutable evidence documents: S3 with Object Lock in compliance mode in AWS, write-once files locally. `putOnce`
 * never overwrites: a second write of the same key returns what is stored.
 */
export interface EvidenceArchive {
  putOnce(key: string, bytes: Buffer, contentType: string): Promise<ArchiveResult>;
  get(key: string): Promise<Buffer | undefined>;
}
