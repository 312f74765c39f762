import { canonicalJson, sha256Hex } from '../../core/api/canonical.js';
import { ADJUSTMENT_WINDOW_MS, LIKE_DAY_SEARCH_DAYS } from '../../core/grid-events/baseline.js';
import {
  EvidenceNotReady,
  evidenceWindow,
  type GridEventEvidence,
  gridEventEvidence,
  gridEventEvidenceSchema,
} from '../../core/grid-events/evidence.js';
import type { GridEvent } from '../../core/grid-events/grid-event.js';
import type { EventTelemetry } from '../../core/grid-events/telemetry.js';
import { shiftLocalDays } from '../../core/market-data/time-zone.js';
import type { Site } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import { type AuditDeps, recordAudit } from '../shared/data/audit-log.js';
import type { EvidenceArchive, SwitchHistory, TelemetryHistory } from './ports.js';

export interface EvidenceDeps {
  readonly archive: EvidenceArchive;
  readonly telemetry: TelemetryHistory;
  /** The site's switch history, linked into the evidence. @default none (the evidence lists no switches) */
  readonly switches?: SwitchHistory;
  readonly audit: AuditDeps;
  readonly clock: Clock;
}

export interface StoredEvidence {
  readonly evidence: GridEventEvidence;
  /** The stored document, byte for byte: what the hash covers. */
  readonly json: string;
  readonly sha256: string;
}

export const evidenceKey = (event: Pick<GridEvent, 'id' | 'siteId'>) => `grid-events/${event.siteId}/${event.id}.json`;

/**
 * The evidence of an ended event: the stored document if there is one, else computed from telemetry, stored once
 * (never overwritten: a concurrent first request's copy wins and is returned) and its SHA-256 recorded in the
 * platform audit chain, once per event whichever request stored it. Throws EvidenceNotReady for an open event or one
 * without telemetry.
 */
export async function evidenceFor(event: GridEvent, site: Site, deps: EvidenceDeps, requestId: string) {
  const key = evidenceKey(event);
  const document = stored((await deps.archive.get(key)) ?? (await computeAndStore(event, site, deps, key)));
  // Recorded on every read, once per event by its once-key: a process that stopped between storing the document and
  // recording its hash has it recorded by the next read.
  await recordAudit(
    deps.audit,
    {
      actor: 'grid-events',
      tenantId: 'platform',
      action: 'grid-event.evidence',
      target: `grid-event/${event.id}`,
      requestId,
      detail: { sha256: document.sha256, key, baseline: document.evidence.baseline.method },
    },
    'platform',
    { onceKey: `grid-event.evidence/${event.id}` },
  );
  return document;
}

async function computeAndStore(event: GridEvent, site: Site, deps: EvidenceDeps, key: string): Promise<Buffer> {
  const { fromMs, toMs } = evidenceWindow(event);
  const [telemetry, switches] = await Promise.all([
    telemetryFor(event, site, deps.telemetry),
    deps.switches?.between(site.id, fromMs, toMs),
  ]);
  const evidence = gridEventEvidence(
    event,
    site,
    { ...telemetry, ...(switches ? { switches } : {}) },
    deps.clock.nowMs(),
  );
  const bytes = Buffer.from(canonicalJson(evidence), 'utf8');
  const result = await deps.archive.putOnce(key, bytes, 'application/json');
  return result.outcome === 'stored' ? bytes : result.bytes;
}

function stored(bytes: Buffer): StoredEvidence {
  const json = bytes.toString('utf8');
  return { evidence: gridEventEvidenceSchema.parse(JSON.parse(json)), json, sha256: sha256Hex(json) };
}

/** The event's window, and for an ERS event the like-day windows its baseline reads. */
async function telemetryFor(event: GridEvent, site: Site, history: TelemetryHistory): Promise<EventTelemetry> {
  const { fromMs, toMs } = evidenceWindow(event);
  const windows = [{ fromMs, toMs }];
  if (event.program === 'ERS') {
    const startMs = Date.parse(event.startAt) - ADJUSTMENT_WINDOW_MS;
    // The event day's adjustment window too.
    windows[0] = { fromMs: Math.min(fromMs, startMs - 15 * 60_000), toMs };
    const endMs = Date.parse(event.endAt as string);
    // The same site wall-clock window on each earlier day (core/grid-events/baseline.ts: 23 or 25 h across DST).
    for (let k = LIKE_DAY_SEARCH_DAYS; k >= 1; k -= 1) {
      windows.push({
        fromMs: shiftLocalDays(startMs, -k, site.timeZone) - 15 * 60_000,
        toMs: shiftLocalDays(endMs, -k, site.timeZone) + 15 * 60_000,
      });
    }
    windows.sort((a, b) => a.fromMs - b.fromMs);
  }
  const parts = await Promise.all(windows.map((w) => history.read(site.id, w.fromMs, w.toMs)));
  const meter = parts.flatMap((p) => p.meter);
  if (meter.length === 0) throw new EvidenceNotReady(`no telemetry of ${site.id} around grid event ${event.id}`);
  return { meter, devices: parts.flatMap((p) => p.devices) };
}
