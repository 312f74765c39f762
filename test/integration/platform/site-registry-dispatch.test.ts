import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { SiteConfig } from '../../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import { useLocalSiteConfigPublisher } from '../../../functions/api/runtime.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import type { RunningShadowGateway } from '../../../iot-greengrass/gateway.js';
import { ShadowSiteConfigPublisher } from '../../../sim/local/shadow-site-config-publisher.js';
import { type RunningControlLoop, startControlLoop } from '../../../sim/platform/control-loop.js';
import { type LocalMqtt, startLocalMqtt } from '../../../sim/platform/local-mqtt.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import {
  type SimulatedSiteHardware,
  startSimulatedSiteGateway,
  startSimulatedSiteHardware,
} from '../../../sim/platform/start/shadow-site.js';
import { until } from '../../support/until.js';
import { marketSnapshotAt } from '../../unit/platform/market-fixture.js';
import { type OperatorApiHarness, startOperatorApi } from '../api-operator/harness.js';

/**
 * The done-when of the site registry, on the local platform's real parts: DynamoDB Local behind the operator API, the
 * TLS broker with its Device Shadow service, OptimizeFlow and SwitchFlow from the synthesized ASL, a simulated site
 * (virtual LuxOS miners) whose gateway knows only its site id. An operator registers a fourth site through the API;
 * the next dispatch plans it, its gateway gets its configuration through the named shadow, reports telemetry and is
 * switched by the plan; an invalid change is refused and the configuration in force stays; drained and retired, the
 * site leaves the plans.
 */

const TABLE = 'hcp-registry-dispatch-test';
const START_MS = Date.parse('2026-07-01T15:00:00Z');
const PRICES = { HB_WEST: 25, HB_SOUTH: 25, HB_NORTH: 25 };

const FOURTH: SiteConfig = {
  id: 'site-east-1',
  name: 'Sweetwater East',
  marketNode: 'HB_NORTH',
  interconnectLimitKw: 100,
  pue: 1.05,
  timeZone: 'America/Chicago',
  energyContract: { kind: 'real-time-index', adderUsdPerMwh: 0 },
  gridPrograms: [],
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
  gpuPools: [],
};

let api: OperatorApiHarness;
let mqtt: LocalMqtt;
let control: RunningControlLoop;
let hardware: SimulatedSiteHardware;
let gateway: RunningShadowGateway | undefined;
let stateDir: string;
const clock = new SimClock(START_MS, 1);
const signing = LocalCommandSigner.generate('registry-dispatch-test');

const plans = () => new DynamoPlanStore({ client: api.documents, tableName: TABLE });
const switchState = (siteId: string) =>
  new DynamoSwitchStateStore({ client: api.documents, tableName: TABLE }).get(siteId);
const plannedSites = async () => (await plans().loadCurrent())?.sites.map((s) => s.siteId).sort();

beforeAll(async () => {
  api = await startOperatorApi({ tableName: TABLE, switchFlows: { start: async () => ({ executionArn: 'none' }) } });
  mqtt = await startLocalMqtt(undefined, clock);
  useLocalSiteConfigPublisher(new ShadowSiteConfigPublisher(mqtt.shadows));
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
  hardware = await startSimulatedSiteHardware({ record: FOURTH, clock, seed: 7, asics: 2, gpuNodes: 0 });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-registry-gw-'));
}, 180_000);

afterAll(async () => {
  useLocalSiteConfigPublisher(undefined);
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

    // Act: the operator registers the fourth site; its gateway starts knowing only its site id.
    const created = await api.call('POST', '/v1/fleet/sites', { body: hardware.record });
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

  it('refuses an invalid change (422) and the configuration in force stays', async () => {
    // Act
    const refused = await api.call('PATCH', `/v1/fleet/sites/${FOURTH.id}/asic-groups/east-s21xp-a`, {
      body: { unitCount: 2.5 },
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
    const drained = await api.call('POST', `/v1/fleet/sites/${FOURTH.id}/drain`);
    await control.dispatchOnce();
    const whileDraining = await plannedSites();
    await until('no switch in flight at site-east-1', async () => {
      const state = await switchState(FOURTH.id);
      return state && !['draining', 'commanded'].includes(state.status) ? true : undefined;
    });
    const retired = await api.call('POST', `/v1/fleet/sites/${FOURTH.id}/retire`);
    await control.dispatchOnce();

    // Assess
    expect([drained.status, retired.status]).toEqual([200, 200]);
    expect(whileDraining).toContain(FOURTH.id);
    expect(await plannedSites()).toEqual(['site-north-1', 'site-south-1', 'site-west-1']);
    expect((await plans().loadCurrent())?.registryVersion).toBe(6);
  }, 180_000);
});
