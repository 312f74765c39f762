import { mkdirSync, writeFileSync } from 'node:fs';
import { sha256Hex } from '../../../core/api/canonical.js';
import type { GridEventEvidence } from '../../../core/grid-events/evidence.js';
import type { GridEvent } from '../../../core/grid-events/grid-event.js';
import { FileEvidenceArchive } from '../../../functions/grid-events/adapters/file-evidence-archive.js';
import { evidenceKey } from '../../../functions/grid-events/evidence.js';
import { DynamoGridEventStore } from '../../../functions/shared/data/grid-event-store.js';
import { inject } from '../../../sim/platform/injections.js';
import { until } from '../../support/until.js';
import { type EvidencePlatform, startEvidencePlatform } from './platform.js';

/**
 * M&V evidence on the local platform's real parts (./platform.ts): a price spike, a DR deployment and an
 * under-frequency trip each become a grid event; each one's evidence is fetched through the API once its recovery
 * window has passed, and its SHA-256 is found in the platform audit chain, which verifies.
 */
let p: EvidencePlatform;

beforeAll(async () => {
  p = await startEvidencePlatform({
    tableName: 'hcp-grid-events',
    startMs: Date.parse('2025-01-15T16:00:00Z'),
    speed: 120,
    flatUsdPerMwh: 25,
  });
}, 120_000);

afterAll(async () => {
  await p?.stop();
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/grid-events-evidence.json', `${JSON.stringify(measured, null, 2)}\n`);
});

/** What each test measured, kept in test-results/ (not committed) for the report: the curve's figures. */
const measured: Record<string, unknown> = {};
const keepFigures = (name: string, e: GridEventEvidence) => {
  const { points, ...curve } = e.curve;
  measured[name] = {
    event: e.event,
    baseline: e.baseline.method,
    curve,
    points: points.length,
    settlement: e.settlement,
  };
};

describe('M&V evidence of grid events through the API', () => {
  it('answers 404 for an unknown grid event and 400 for a bad format', async () => {
    expect((await p.h.call('GET', '/v1/grid-events/ge-0-price-curtailment-nope/evidence')).status).toBe(404);
    const bad = await p.h.call('GET', '/v1/grid-events/x/evidence?format=pdf');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe('format');
  });

  it('evidences a price-driven curtailment: curve, baseline, device timelines, settlement, hash in the audit chain', async () => {
    // Prepare: a price between the two cheapest ASIC rungs' stop prices holds the cheapest only.
    const asicRungs = p.ladder.filter((r) => r.kind === 'asic');
    const spike = Math.round((asicRungs[0]!.stopAbovePriceUsdPerMwh + asicRungs[1]!.stopAbovePriceUsdPerMwh) / 2);
    await p.allHashingFor(16);
    // Act
    await inject({ kind: 'price-spike', priceUsdPerMwh: spike, durationMinutes: 8 }, p.injectionDeps());
    const event = await p.endedEvent('price-curtailment');
    const { text, sha256, evidence } = await p.fetchEvidence(event.id);
    keepFigures('price-curtailment', evidence);
    // Assess: the event is what the signal held.
    expect(event).toMatchObject({ siteId: p.site.id, program: 'none', priceUsdPerMwh: spike });
    expect(event.committedMw).toBeCloseTo(asicRungs[0]!.sheddableKw / 1000, 9);
    // The baseline is the meter before the start, the curve reached half the committed MW, the load came back.
    expect(evidence.baseline).toMatchObject({ method: 'meter-before' });
    expect(evidence.baseline.intervals[0]!.baselineKw).toBeGreaterThan(0);
    expect(evidence.curve.secondsTo50Pct).toBeGreaterThanOrEqual(0);
    expect(evidence.curve.sustainedMw).toBeGreaterThan(0.5 * event.committedMw);
    expect(evidence.curve.recoverySeconds).toBeGreaterThanOrEqual(0);
    // Each curtailed miner's timeline shows it leave hashing during the event.
    const rungDevices = evidence.devices.filter((d) => d.groupId === asicRungs[0]!.groupId);
    expect(rungDevices.length).toBeGreaterThan(0);
    for (const d of rungDevices) {
      expect(d.changes[0]!.state).toBe('hashing');
      expect(d.changes.some((c) => c.state === 'sleeping')).toBe(true);
      expect(d.secondsToFirstChange).toBeGreaterThanOrEqual(0);
    }
    expect(evidence.settlement.avoidedEnergyCostUsd).toBeGreaterThan(0);
    // The gateway's own switch on the price, from its local-switch event: when, and which devices it slept.
    const local = evidence.switches?.find((w) => w.source === 'local' && w.cause === 'grid:price');
    expect(local?.secondsFromStart).toBeGreaterThanOrEqual(0);
    expect(local!.devices!.ids).toEqual(expect.arrayContaining(rungDevices.map((d) => d.deviceId)));
    // The body is the stored document byte for byte; its hash is in the chain.
    expect(sha256).toBe(sha256Hex(text));
    await p.expectHashInAuditChain(event.id, sha256!);
    // CSV and HTML are renderings of the same stored document; a second read returns it unchanged.
    const csv = await fetch(`${p.h.url}/v1/grid-events/${event.id}/evidence`, {
      headers: { 'x-test-role': 'operator', accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const csvText = await csv.text();
    expect(csvText).toContain(`summary,,event.id,${event.id}`);
    expect(csvText).toContain(`,local:grid:price,${local!.devices!.accepted}/${local!.devices!.sent} `);
    const html = await fetch(`${p.h.url}/v1/grid-events/${event.id}/evidence?format=html`, {
      headers: { 'x-test-role': 'operator' },
    });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain(sha256!);
    expect((await p.fetchEvidence(event.id)).text).toBe(text);
  });

  it('evidences an injected demand-response deployment, naming the ERS baseline it could not use', async () => {
    // Prepare
    const firstRung = p.ladder.find((r) => r.kind === 'asic')!;
    await p.allHashingFor(16);
    // Act
    await inject(
      { kind: 'demand-response', deployMw: firstRung.sheddableKw / 1000, durationMinutes: 8 },
      p.injectionDeps(),
    );
    // While it lasts there is no evidence yet: 409, naming why.
    const open = await until('the open DR event', async () => {
      const { body } = await p.h.call('GET', '/v1/grid-events?limit=100');
      return (body.items as GridEvent[]).find((e) => e.kind === 'demand-response');
    });
    if (!open.endAt) {
      const early = await p.h.call('GET', `/v1/grid-events/${open.id}/evidence`);
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('evidence-not-ready');
    }
    const event = await p.endedEvent('demand-response');
    const { text, sha256, evidence } = await p.fetchEvidence(event.id);
    keepFigures('demand-response', evidence);
    // Assess: an ERS site's deployment, measured against the meter before it since there are no 10 like days.
    expect(event).toMatchObject({ program: 'ERS', siteId: p.site.id });
    expect(evidence.baseline).toMatchObject({ method: 'meter-before', wanted: 'ers-middle-8-of-10-like-days' });
    expect(evidence.baseline.fallbackReason).toMatch(/like days/);
    expect(evidence.curve.points.length).toBeGreaterThan(5);
    expect(evidence.curve.secondsTo50Pct).toBeGreaterThanOrEqual(0);
    expect(evidence.devices.some((d) => d.changes.some((c) => c.state === 'sleeping'))).toBe(true);
    expect(evidence.settlement.capacityCreditUsd).toBeGreaterThanOrEqual(0);
    expect(sha256).toBe(sha256Hex(text));
    await p.expectHashInAuditChain(event.id, sha256!);
    // Stored write-once: the archive refuses to replace it.
    const archive = new FileEvidenceArchive(p.archiveRoot);
    const again = await archive.putOnce(evidenceKey(event), Buffer.from('{}'));
    expect(again).toMatchObject({ outcome: 'exists' });
    expect(await archive.get(evidenceKey(event))).toEqual(Buffer.from(text, 'utf8'));
  });

  it('pages the grid events newest first with a cursor', async () => {
    const first = await p.h.call('GET', '/v1/grid-events?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0].kind).toBe('demand-response');
    const second = await p.h.call('GET', `/v1/grid-events?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].kind).toBe('price-curtailment');
    expect((await p.h.call('GET', '/v1/grid-events', { role: 'customer-user' })).status).toBe(403);
  });

  it('records a signal delivered twice once', async () => {
    // Prepare: the DR event as stored, re-opened and re-closed as a redelivered deploy and recall would.
    const store = new DynamoGridEventStore({ client: p.h.documents, tableName: p.h.tableName });
    const { body } = await p.h.call('GET', '/v1/grid-events?limit=100');
    const dr = (body.items as GridEvent[]).find((e) => e.kind === 'demand-response')!;
    const { endAt: _ended, ...opened } = dr;
    // Act
    await store.open(opened);
    await store.close(dr.id, new Date(p.clock.nowMs()).toISOString());
    // Assess
    expect(await store.get(dr.id)).toEqual(dr);
    expect(await store.openAt(p.site.id)).toEqual([]);
    expect((await p.h.call('GET', '/v1/grid-events?limit=100')).body.items).toHaveLength(body.items.length);
  });

  it('evidences an under-frequency trip on the gateway: the Load Resource measure, the tripped miners, its local switch', async () => {
    // Prepare
    await p.allHashingFor(16);
    const tripGroups = p.site.asicGroups.filter((g) => g.frequencyTrip).map((g) => g.id);
    expect(tripGroups.length).toBeGreaterThan(0);
    // Act: the grid at 59.5 Hz for 6 minutes, then back at 60 Hz.
    await inject({ kind: 'under-frequency', frequencyHz: 59.5, durationMinutes: 6 }, p.injectionDeps());
    const event = await p.endedEvent('under-frequency');
    const { text, sha256, evidence } = await p.fetchEvidence(event.id);
    keepFigures('under-frequency', evidence);
    // Assess: an RRS Load Resource trip at the trip groups' power, measured from the last telemetered value before it.
    expect(event).toMatchObject({ program: 'RRS', siteId: p.site.id, cause: 'under-frequency 59.5 Hz' });
    expect(event.committedMw).toBeGreaterThan(0);
    expect(evidence.baseline).toMatchObject({ method: 'load-resource-telemetry' });
    expect(evidence.curve.secondsTo50Pct).toBeGreaterThanOrEqual(0);
    expect(evidence.curve.sustainedMw).toBeGreaterThan(0.5 * event.committedMw);
    // Every miner of the trip groups left hashing during the event; the others kept hashing.
    const tripped = evidence.devices.filter((d) => tripGroups.includes(d.groupId));
    expect(tripped.length).toBeGreaterThan(0);
    for (const d of tripped) expect(d.changes.some((c) => c.state === 'sleeping')).toBe(true);
    for (const d of evidence.devices.filter((x) => !tripGroups.includes(x.groupId))) {
      expect(d.changes.map((c) => c.state)).toEqual(['hashing']);
    }
    // The gateway's own switch on the frequency: which devices, how soon after the start.
    const local = evidence.switches?.find((w) => w.source === 'local' && w.cause === 'grid:frequency');
    expect(local?.secondsFromStart).toBeGreaterThanOrEqual(0);
    expect(local!.devices!.ids).toEqual(expect.arrayContaining(tripped.map((d) => d.deviceId)));
    expect(evidence.settlement.notes.join(' ')).toMatch(/RRS/);
    expect(sha256).toBe(sha256Hex(text));
    await p.expectHashInAuditChain(event.id, sha256!);
  });
});
