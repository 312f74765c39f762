import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { sha256Hex } from '../../../core/api/canonical.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { SYSTEM_LOAD_HISTORY_KEY } from '../../../core/market-data/history.js';
import { publishedLoadPoints } from '../../../core/market-data/system-load.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { Plan } from '../../../core/model/plan.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { fixedClock } from '../../../core/support/clock.js';
import { buildApplyPlanCommand } from '../../../core/switching/command.js';
import { DynamoPlanDraftStore } from '../../../functions/optimizer/adapters/dynamo-plan-drafts.js';
import { HighsFleetSolver } from '../../../functions/optimizer/adapters/highs-fleet-solver.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import { createOptimizeSteps } from '../../../functions/optimizer/steps.js';
import { DynamoGridEventStore } from '../../../functions/shared/data/grid-event-store.js';
import { DynamoMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';
import { until } from '../../support/until.js';
import { type EvidencePlatform, startEvidencePlatform } from './platform.js';

/**
 * A 4CP curtailment end to end on the local platform's real parts (./platform.ts), on ERCOT's shipped system load:
 * at 2022-08-02 14:00 CDT (the month's peak came at 16:00–17:00) OptimizeFlow's steps solve on HiGHS with the 4CP
 * forecast from the load stored in the market history on DynamoDB Local, and the persist step records the window
 * the plan curtails as a four-cp grid event; the plan goes to the gateway as the SwitchFlow's apply-plan command, the
 * gateway sleeps the miners, and the evidence (baseline, curve, device timelines, the forecast that triggered it, the
 * charge avoided) is fetched through the API with its hash in the audit chain.
 */
/**
 * The dispatch of 14:00 CDT, run as soon as the miners have hashed for the baseline: simulated time runs 300 times
 * real time and a solve takes seconds on a loaded machine, so the decision instant is fixed (the planner's clock)
 * while the platform's clock starts 4 hours earlier (48 s of real time to spare) and the plan reaches the gateway before its window.
 */
const DECISION_MS = Date.parse('2022-08-02T19:00:00Z');
const START_MS = DECISION_MS - 4 * 3_600_000;
const WINDOW_START_MS = Date.parse('2022-08-02T20:00:00Z');
let p: EvidencePlatform;
let snapshots: DynamoMarketSnapshotStore;

beforeAll(async () => {
  let store: DynamoMarketSnapshotStore | undefined;
  p = await startEvidencePlatform({
    tableName: 'hcp-grid-events-4cp',
    startMs: START_MS,
    speed: 300,
    flatUsdPerMwh: 25,
    heartbeatTimeoutMs: 20 * 60_000,
    snapshots: { put: async (s) => store?.put(s) },
  });
  snapshots = new DynamoMarketSnapshotStore({ client: p.h.documents, tableName: p.h.tableName });
  store = snapshots;
  // The system load as ingestion stores it: each hour once published (an hour after it ends), 39 days back.
  const record = readSystemLoadFile(SYSTEM_LOAD_FILE);
  const history = new DynamoMarketHistoryStore({ client: p.h.documents, tableName: p.h.tableName });
  await history.append(
    SYSTEM_LOAD_HISTORY_KEY,
    publishedLoadPoints(record, 0, DECISION_MS - 39 * 86_400_000, DECISION_MS),
  );
}, 120_000);

afterAll(async () => {
  await p?.stop();
});

describe('a 4CP curtailment as a grid event with its evidence', () => {
  it('records the planned window with its forecast, curtails on the gateway and evidences it through the API', async () => {
    // Prepare: every miner hashing for 16 minutes (the baseline), and a market snapshot stored.
    await p.allHashingFor(16);
    await until('a market snapshot', () => snapshots.latest());
    const deps = { client: p.h.documents, tableName: p.h.tableName };
    const steps = createOptimizeSteps({
      fleet: new StaticFleetSource({ ...referenceFleet, sites: [p.site] }),
      market: snapshots,
      plans: new DynamoPlanStore(deps),
      drafts: new DynamoPlanDraftStore({ ...deps, nowMs: () => p.clock.nowMs() }),
      switchStates: new DynamoSwitchStateStore(deps),
      solver: new HighsFleetSolver({ highs: loadHighs }),
      history: new DynamoMarketHistoryStore(deps),
      gridEvents: new DynamoGridEventStore(deps),
      clock: fixedClock(DECISION_MS),
    });
    // Act: OptimizeFlow's solve and persist, then the plan to the gateway as the SwitchFlow sends it.
    const { draftId } = await steps.solve({ draftId: randomUUID() });
    await steps.persist({ draftId });
    const plan = (await new DynamoPlanStore(deps).loadCurrent()) as Plan;
    const command = buildApplyPlanCommand({
      plan,
      siteId: p.site.id,
      commandId: randomUUID(),
      seq: 1,
      epoch: 1,
      nowMs: p.clock.nowMs(),
      validForMs: 15 * 60_000,
    });
    await p.cloud.publishAsync(siteTopic(p.site.id, 'commands'), JSON.stringify(command), { qos: 1 });
    // The test needs the plan at the gateway well before the window (else the machine was too slow for this speed).
    expect(new Date(p.clock.nowMs()).toISOString() < new Date(WINDOW_START_MS - 15 * 60_000).toISOString()).toBe(true);
    // Assess: the plan names the forecast it weighed; the event is listed at once, with that forecast.
    expect(plan.fourCp).toMatchObject({ loadKnownTo: '2022-08-02T18:00:00.000Z' });
    const listed = await until('the four-cp event in GET /v1/grid-events', async () => {
      const { body } = await p.h.call('GET', '/v1/grid-events?limit=100');
      return (body.items as Array<{ kind: string; id: string }>).find((e) => e.kind === 'four-cp');
    });
    const event = await p.endedEvent('four-cp');
    expect(event.id).toBe(listed.id);
    expect(event).toMatchObject({ startAt: new Date(WINDOW_START_MS).toISOString() });
    expect(event.fourCp).toMatchObject({ planVersion: plan.version, forecastAt: '2022-08-02T19:00:00.000Z' });
    expect(event.fourCp!.peakProbability).toBeGreaterThan(0.0042);
    // While the window and its recovery last there is no evidence yet.
    const early = await p.h.call('GET', `/v1/grid-events/${event.id}/evidence`);
    expect(early.status).toBe(409);
    // The window's 4 simulated hours and the recovery's 15 minutes are about a minute at this speed.
    const { text, sha256, evidence } = await p.fetchEvidence(event.id, 180_000);
    const { points, ...curve } = evidence.curve;
    measured = { event, curve, points: points.length, settlement: evidence.settlement, switches: evidence.switches };
    // Every miner went to sleep at the window's start and stayed asleep to its end (the plan holds them all off); the
    // site came off the grid by most of what the plan committed.
    expect(evidence.baseline).toMatchObject({ method: 'meter-before' });
    const startMs = Date.parse(event.startAt);
    const endMs = Date.parse(event.endAt!);
    expect(evidence.devices).toHaveLength(p.fleet.endpoints.length);
    for (const d of evidence.devices) {
      const asleepAt = d.changes.find((c) => c.state === 'sleeping' && Date.parse(c.at) >= startMs)!;
      expect(Date.parse(asleepAt.at)).toBeLessThan(startMs + 15 * 60_000);
      const during = d.changes.filter((c) => Date.parse(c.at) > Date.parse(asleepAt.at) && Date.parse(c.at) < endMs);
      expect(during).toEqual([]);
    }
    expect(evidence.curve.sustainedMw).toBeGreaterThan(0.5 * event.committedMw);
    expect(evidence.settlement.fourCpChargeAvoidedUsd).toBeGreaterThan(0);
    expect(evidence.settlement.notes.join(' ')).toContain(`forecast ${plan.fourCp!.forecastAt}`);
    expect(sha256).toBe(sha256Hex(text));
    await p.expectHashInAuditChain(event.id, sha256!);
  }, 240_000);
});

/** What the test measured, kept in test-results/ (not committed) for the report. */
let measured: unknown;
afterAll(() => {
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/grid-events-four-cp.json', `${JSON.stringify(measured ?? null, null, 2)}\n`);
});
