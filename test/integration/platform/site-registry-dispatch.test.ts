import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { type SiteConfig, siteModelOf } from '../../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import { cachedRegisteredSites } from '../../../functions/fleet/registry-fleet.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSiteRegistryStore } from '../../../functions/shared/data/site-registry-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import type { RunningShadowGateway } from '../../../iot-greengrass/gateway.js';
import { type RunningControlLoop, startControlLoop } from '../../../sim/platform/control-loop.js';
import { type GpuWork, startGpuWork } from '../../../sim/platform/gpu-work.js';
import { type LocalMqtt, startLocalMqtt } from '../../../sim/platform/local-mqtt.js';
import type { PlatformObserver } from '../../../sim/platform/observer.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { followRegistry, startObserver } from '../../../sim/platform/start/observer.js';
import {
  type SimulatedSiteHardware,
  startSimulatedSiteGateway,
  startSimulatedSiteHardware,
} from '../../../sim/platform/start/shadow-site.js';
import { Stops } from '../../../sim/platform/start/stops.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { until } from '../../support/until.js';
import { type ApiHarness, startApiOnBroker } from '../api/harness.js';

/**
 * The done-when of the site registry, on the local platform's real parts: DynamoDB Local behind the API, the TLS
 * broker with its Device Shadow service, OptimizeFlow and SwitchFlow from the synthesized ASL, the workload router
 * and the dashboard's observer reading the registry as `npm start` wires them, a simulated site (virtual LuxOS miners
 * and a GPU node) whose gateway knows only its site id. An operator registers a fourth site through the API; the next
 * dispatch plans it, its gateway gets its configuration through the named shadow, reports telemetry and is switched by
 * the plan; a customer's workload is routed to its GPU worker and it shows in the observer, with no restart or
 * redeployment of anything; an invalid change is refused and the configuration in force stays; drained and retired,
 * the site leaves the plans and the observer.
 */

const TABLE = 'hcp-registry-dispatch-test';
const START_MS = Date.parse('2026-07-01T15:00:00Z');
const PRICES = { HB_WEST: 25, HB_SOUTH: 25, HB_NORTH: 25 };
const EAST_MODEL = 'meta-llama/Llama-3.1-70B-Instruct';

const FOURTH: SiteConfig = {
  id: 'site-east-1',
  name: 'Sweetwater East',
  marketNode: 'HB_NORTH',
  interconnectLimitKw: 100,
  pue: 1.05,
  timeZone: 'America/Chicago',
  energyContract: { kind: 'real-time-index', adderUsdPerMwh: 0 },
  gridPrograms: [],
  // The only pool that serves Llama 3.1 70B, so the workload can go nowhere else.
  gpuPools: [
    {
      id: 'east-h200-a',
      model: 'nvidia-h200-sxm',
      nodes: 1,
      gpusPerNode: 8,
      driver: 'nvidia-smi',
      nodeEndpoints: [],
      servedModels: [EAST_MODEL],
    },
  ],
  asicGroups: [
    {
      id: 'east-s21xp-a',
      model: 'antminer-s21-xp',
      unitCount: 2,
      driver: 'luxos',
      addresses: { kind: 'list', endpoints: ['placeholder-a', 'placeholder-b'] },
      minOnMinutes: 0,
      minOffMinutes: 0,
      frequencyTrip: false,
    },
  ],
};

let api: ApiHarness;
let mqtt: LocalMqtt;
let gpuWork: GpuWork;
let observer: PlatformObserver;
const stops = new Stops();
/** The customer's workload routed to the fourth site. */
let eastWorkloadId: string | undefined;
let control: RunningControlLoop;
let hardware: SimulatedSiteHardware;
let gateway: RunningShadowGateway | undefined;
let stateDir: string;
const clock = new SimClock(START_MS, 1);
const signing = LocalCommandSigner.generate('registry-dispatch-test');

const operator = (method: string, path: string, body?: unknown) => api.operator(method, path, body);
const observedSites = () =>
  observer
    .snapshot()
    .sites.map((s) => s.id)
    .sort();
const plans = () => new DynamoPlanStore({ client: api.documents, tableName: TABLE });
const switchState = (siteId: string) =>
  new DynamoSwitchStateStore({ client: api.documents, tableName: TABLE }).get(siteId);
const plannedSites = async () => (await plans().loadCurrent())?.sites.map((s) => s.siteId).sort();

beforeAll(async () => {
  mqtt = await startLocalMqtt(undefined, clock);
  // The API as `npm start` runs it (the reference fleet registered through it), publishing to the broker's shadows.
  api = await startApiOnBroker(mqtt, { tableName: TABLE, clock });
  control = await startControlLoop({
    dynamoEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    tableName: TABLE,
    brokerUrl: mqtt.broker.url,
    brokerTls: mqtt.controlPlane,
    fleet: referenceFleet,
    fleetFromRegistry: true,
    clock,
    market: {
      name: 'flat',
      snapshotAt: async (atMs) => marketSnapshotAt(Math.floor(atMs / 900_000) * 900_000, PRICES),
    },
    dispatchEveryMs: 3_600_000,
    signer: signing.signer,
  });
  hardware = await startSimulatedSiteHardware({ record: FOURTH, clock, seed: 7, asics: 2, gpuNodes: 1 });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-registry-gw-'));
  // The router and the observer on the registry, as start-platform.ts wires them; no GPU worker runs yet.
  const registered = cachedRegisteredSites(
    new DynamoSiteRegistryStore({ client: api.documents, tableName: TABLE }),
    Date.now,
    0,
  );
  gpuWork = await startGpuWork({
    sites: [],
    routedSites: registered,
    gpuNodes: [],
    unitsPerNode: () => 1,
    brokerUrl: mqtt.broker.url,
    tls: { gateway: (siteId) => mqtt.gatewayTls(siteId), controlPlane: mqtt.controlPlane },
    client: api.documents,
    tableName: TABLE,
    simClock: clock,
  });
  stops.push(gpuWork.stop);
  observer = await startObserver({ sites: [], unitsPerDevice: new Map(), clock, mqtt }, stops);
  await followRegistry(observer, registered, stops, (error) => {
    throw error;
  });
}, 180_000);

afterAll(async () => {
  await stops.stopAll();
  await gateway?.stop();
  await control?.stop();
  await hardware?.fleet.stop();
  await mqtt?.stop();
  await api?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe('a site registered through the operator API', () => {
  it('is in the next dispatch, configures its gateway through the shadow, reports telemetry and is switched', async () => {
    // Prepare: the reference fleet's three sites are registered (versions 1-3) and planned.
    await control.dispatchOnce();
    expect(await plannedSites()).toEqual(['site-north-1', 'site-south-1', 'site-west-1']);
    expect(observedSites()).toEqual(['site-north-1', 'site-south-1', 'site-west-1']);

    // Act: the operator registers the fourth site; its gateway starts knowing only its site id.
    const created = await operator('POST', '/v1/fleet/sites', hardware.record);
    gateway = await startSimulatedSiteGateway(mqtt, {
      siteId: FOURTH.id,
      stateDir,
      clock,
      config: { switchAgent: { commandKeys: [{ kid: signing.signer.kid, publicKeyPem: signing.publicKeyPem }] } },
    });
    await until('the registry configuration in force at the gateway', () =>
      gateway?.state().siteConfig.registryVersion === 4 ? true : undefined,
    );
    const dispatched = await control.dispatchOnce();

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"4"');
    expect(dispatched.status).toBe('SUCCEEDED');
    const plan = await plans().loadCurrent();
    expect(plan?.registryVersion).toBe(4);
    expect(await plannedSites()).toEqual(['site-east-1', 'site-north-1', 'site-south-1', 'site-west-1']);
    expect(await gateway.pollTelemetry()).toBeGreaterThan(0);
    const switched = await until('the plan switched site-east-1', async () => {
      const state = await switchState(FOURTH.id);
      return state?.status === 'committed' && state.planVersion === plan?.version ? state : undefined;
    });
    expect(switched.planVersion).toBe(plan?.version);
  }, 180_000);

  it('shows in the observer and gets a customer workload routed to its GPU worker, with no restart', async () => {
    // Prepare: the site's GPU worker comes up on its virtual node (the platform's GPU side, unchanged).
    const worker = await gpuWork.addSite(
      siteModelOf(hardware.record),
      hardware.fleet.endpoints.filter((e) => e.kind === 'gpu'),
      8,
    );
    expect(worker).toBeDefined();

    // Act: a customer asks for the model only the new site serves.
    const submitted = await api.call('POST', '/v1/workloads', {
      key: api.demo.apiKey,
      headers: { 'Idempotency-Key': randomUUID() },
      body: {
        modelId: EAST_MODEL,
        inputTokens: 200,
        outputTokens: 400,
        tier: 'guaranteed',
        deadline: new Date(clock.nowMs() + 3_600_000).toISOString(),
        maxPriceUsd: 5,
      },
    });
    eastWorkloadId = submitted.body.id;
    let last: unknown;
    const taken = await until(
      'the workload queued at site-east-1 and taken by its GPU worker',
      async () => {
        const job = await gpuWork.routing.jobs.get(api.demo.tenantId, submitted.body.id);
        const view = worker?.view();
        last = { job: job?.state, worker: view };
        return job?.state.siteId === FOURTH.id && view && view.pending + view.running > 0
          ? { job: job.state, worker: view }
          : undefined;
      },
      { detail: () => ({ last, runs: gpuWork.routing.runs.slice(-2) }) },
    );
    const observed = await until('site-east-1 in the observer with its telemetry', async () => {
      await gateway?.pollTelemetry();
      return observer.snapshot().sites.find((s) => s.id === FOURTH.id && s.power !== null);
    });

    // Assess
    expect(submitted.status).toBe(201);
    expect(taken.job).toMatchObject({ status: 'queued', siteId: FOURTH.id, poolId: 'east-h200-a' });
    expect(Object.keys(taken.worker.runningByNode).every((node) => node.startsWith('east-h200-a'))).toBe(true);
    expect(observedSites()).toEqual(['site-east-1', 'site-north-1', 'site-south-1', 'site-west-1']);
    expect(observed.name).toBe(FOURTH.name);
  }, 180_000);

  it('refuses an invalid change (422) and the configuration in force stays', async () => {
    // Act
    const refused = await operator('PATCH', `/v1/fleet/sites/${FOURTH.id}/asic-groups/east-s21xp-a`, {
      unitCount: 2.5,
    });

    // Assess
    expect(refused.status).toBe(422);
    expect(refused.body.error.issues).toContainEqual(
      expect.objectContaining({ field: 'unitCount', rule: 'whole_number' }),
    );
    expect(gateway?.state().siteConfig.registryVersion).toBe(4);
    expect(mqtt.shadows.shadows.document(FOURTH.id, SITE_CONFIG_SHADOW)?.state.reported).toBeDefined();
  });

  it('drained, it stays planned; retired, it leaves the plans', async () => {
    // Act
    const drained = await operator('POST', `/v1/fleet/sites/${FOURTH.id}/drain`);
    await control.dispatchOnce();
    const whileDraining = await plannedSites();
    await until('no switch in flight at site-east-1', async () => {
      const state = await switchState(FOURTH.id);
      return state && !['draining', 'commanded'].includes(state.status) ? true : undefined;
    });
    const blocked = await operator('POST', `/v1/fleet/sites/${FOURTH.id}/retire`);
    const cancelled = await api.call('POST', `/v1/workloads/${eastWorkloadId}/cancel`, { key: api.demo.apiKey });
    // The site's worker stops the run and reports it; the job is no longer queued at the site.
    await until('the cancelled job ended at site-east-1', async () => {
      const job = await gpuWork.routing.jobs.get(api.demo.tenantId, eastWorkloadId!);
      return job && job.state.status !== 'queued' ? true : undefined;
    });
    const retired = await operator('POST', `/v1/fleet/sites/${FOURTH.id}/retire`);
    await control.dispatchOnce();

    // Assess
    expect([drained.status, blocked.status, cancelled.status, retired.status]).toEqual([200, 409, 200, 200]);
    expect(JSON.stringify(blocked.body)).toContain('1 job(s) queued at the site');
    expect(whileDraining).toContain(FOURTH.id);
    expect(await plannedSites()).toEqual(['site-north-1', 'site-south-1', 'site-west-1']);
    expect((await plans().loadCurrent())?.registryVersion).toBe(6);
    await until('site-east-1 gone from the observer', () => (observedSites().includes(FOURTH.id) ? undefined : true));
  }, 180_000);
});

describe('dispatches asked for at once (the first at start and the timer, as in npm start)', () => {
  it('run one OptimizeFlow: both callers get its result and one plan version is saved', async () => {
    // Prepare
    const before = (await plans().loadCurrent())?.version ?? 0;

    // Act
    const [first, second] = await Promise.all([control.dispatchOnce(), control.dispatchOnce()]);

    // Assess: one run (a second would have failed PlanVersionConflict), and the next call runs again
    expect(second).toBe(first);
    expect(first.status).toBe('SUCCEEDED');
    expect((await plans().loadCurrent())?.version).toBe(before + 1);
    expect((await control.dispatchOnce()).status).toBe('SUCCEEDED');
    expect((await plans().loadCurrent())?.version).toBe(before + 2);
  }, 120_000);
});
