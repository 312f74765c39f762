import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { siteConfigShadowUpdate } from '../../../core/fleet/gateway-config-shadow.js';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import { gatewayConfigFor, type SiteConfig, siteModelOf } from '../../../core/fleet/site-config.js';
import { namedShadowTopic, SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { ManualClock } from '../../../core/support/clock.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import { gpuWorkerConfigSchema } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/config.js';
import { runGpuWorkerOnSiteConfig } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/on-site-config.js';
import { type RunningShadowGateway, startShadowGateway } from '../../../iot-greengrass/gateway.js';
import { startSiteMeter } from '../../../sim/devices/meter/virtual-meter.js';
import { ShadowSiteConfigPublisher } from '../../../sim/local/shadow-site-config-publisher.js';
import { type LocalMqtt, startLocalMqtt } from '../../../sim/platform/local-mqtt.js';
import {
  type SimulatedSiteHardware,
  simulatedGatewayConfig,
  startSimulatedSiteGateway,
  startSimulatedSiteHardware,
} from '../../../sim/platform/start/shadow-site.js';
import { until } from '../../support/until.js';

/**
 * Gateway configuration as data, on the local platform's broker (mutual TLS, per-identity topic rules) and its Device
 * Shadow service: a gateway that knows only its site id reads its named shadow, applies a newer configuration on a
 * delta, refuses an invalid one naming the field (previous one stays), and starts offline from its cache.
 */

const MIXTRAL = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const RECORD: SiteConfig = referenceSiteConfigs.find((s) => s.id === 'site-west-1')!;
const SITE_ID = RECORD.id;
const T0_MS = Date.parse('2026-07-01T15:00:00Z');

let clock: ManualClock;
let mqtt: LocalMqtt;
let hardware: SimulatedSiteHardware;
let stateDir: string;
let gateway: RunningShadowGateway | undefined;
let observer: MqttClient;
const events: Array<Record<string, unknown>> = [];

const publisher = () => new ShadowSiteConfigPublisher(mqtt.shadows);
const reported = () => mqtt.shadows.shadows.document(SITE_ID, SITE_CONFIG_SHADOW)?.state.reported;
const startGatewayOnShadow = () =>
  startSimulatedSiteGateway(mqtt, { siteId: SITE_ID, stateDir, clock, autoTick: false });

beforeAll(async () => {
  clock = new ManualClock(T0_MS);
  mqtt = await startLocalMqtt(undefined, clock);
  // Two miners per ASIC group and one GPU node: enough to see each group's devices.
  hardware = await startSimulatedSiteHardware({ record: RECORD, clock, seed: 11, asics: 4, gpuNodes: 1 });
  observer = await connectAsync(mqtt.broker.url, {
    clientId: 'hcp-observer-test',
    ...mqtt.observer,
    reconnectPeriod: 0,
  });
  await observer.subscribeAsync(siteTopic(SITE_ID, 'events'), { qos: 1 });
  observer.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString('utf8'))));
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-shadow-gw-'));
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await observer?.endAsync(true);
  await hardware?.fleet.stop();
  await mqtt?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('gateway configuration through the named shadow', () => {
  it('a gateway with no configuration reads its shadow and drives the devices it names', async () => {
    // Prepare: version 1 in the shadow before the gateway exists.
    await publisher().publish(SITE_ID, simulatedGatewayConfig(hardware, 1));
    // Act
    gateway = await startGatewayOnShadow();
    await until('configuration 1 in force', () => gateway!.state().siteConfig.registryVersion === 1);
    const metrics = await gateway.pollTelemetry();
    // Assess: every virtual device is driven, over its own protocol, and the shadow says which version runs.
    expect(gateway.state().siteConfig.source).toBe('shadow');
    expect(
      gateway
        .state()
        .devices.map((d) => d.groupId)
        .sort(),
    ).toEqual(hardware.fleet.endpoints.map((e) => e.groupId).sort());
    expect(metrics).toBe(hardware.fleet.endpoints.length);
    await until('the reported version', () => reported()?.registryVersion === 1);
    expect(reported()).toEqual({ registryVersion: 1 });
  });

  it('applies a newer configuration on its delta: the agents restart on the new device list', async () => {
    // Prepare: version 2 drops the second S21 miner from the group.
    const [s21, ...rest] = hardware.record.asicGroups;
    const endpoints = s21!.addresses.kind === 'list' ? s21!.addresses.endpoints.slice(0, 1) : [];
    const v2 = simulatedGatewayConfig(
      {
        ...hardware,
        record: { ...hardware.record, asicGroups: [{ ...s21!, addresses: { kind: 'list', endpoints } }, ...rest] },
      },
      2,
    );
    // Act
    await publisher().publish(SITE_ID, v2);
    await until('configuration 2 in force', () => gateway!.state().siteConfig.registryVersion === 2);
    // Assess
    const s21Devices = gateway!.state().devices.filter((d) => d.groupId === s21!.id);
    expect(s21Devices.map((d) => `${d.address}:${d.port}`)).toEqual(endpoints);
    expect(await gateway!.pollTelemetry()).toBe(hardware.fleet.endpoints.length - 1);
    await until('the event', () => events.find((e) => e.type === 'site-config-applied' && e.registryVersion === 2));
  });

  it('refuses an invalid configuration naming the field, keeps the one in force, and says so in the shadow', async () => {
    // Prepare: version 3 names a driver the gateway has no adapter for.
    const good = simulatedGatewayConfig(hardware, 3);
    const bad = { ...good, asicGroups: good.asicGroups.map((g, i) => (i === 0 ? { ...g, driver: 'whatsminer' } : g)) };
    // Act: written as the cloud writes it (UpdateThingShadow, desired), bypassing the publisher's types.
    const update = siteConfigShadowUpdate(bad as unknown as typeof good);
    const accepted = await mqtt.shadows.update(SITE_ID, SITE_CONFIG_SHADOW, JSON.stringify(update));
    // Assess
    expect(accepted.ok).toBe(true);
    await until(
      'the refusal in the reported state',
      () => (reported()?.refused as { registryVersion?: number })?.registryVersion === 3,
    );
    expect(reported()).toMatchObject({
      registryVersion: 2,
      refused: { registryVersion: 3, field: 'gatewayConfig.asicGroups[0].driver', rule: 'invalid_value' },
    });
    const event = await until('the refusal event', () => events.find((e) => e.type === 'site-config-refused'));
    expect(event).toMatchObject({
      siteId: SITE_ID,
      registryVersion: 3,
      field: 'gatewayConfig.asicGroups[0].driver',
      inForce: 2,
    });
    expect(gateway!.state().siteConfig).toMatchObject({ registryVersion: 2, refused: { registryVersion: 3 } });
    // The agents of version 2 still drive the hardware.
    expect(await gateway!.pollTelemetry()).toBe(hardware.fleet.endpoints.length - 1);
  });

  it('starts offline with its last good configuration from the cache', async () => {
    // Prepare: stop the gateway; the broker stays up but the new one points at a port nobody listens on.
    await gateway!.stop();
    gateway = undefined;
    // Act
    const offline = await startShadowGateway({
      siteId: SITE_ID,
      stateDir,
      clock,
      autoTick: false,
      brokerUrl: 'mqtt://127.0.0.1:9',
    });
    try {
      // Assess: version 2 (the refused 3 never reached the cache) drives the devices with no cloud at all.
      expect(offline.state()).toMatchObject({ connected: false, siteConfig: { registryVersion: 2, source: 'cache' } });
      expect(await offline.pollTelemetry()).toBe(hardware.fleet.endpoints.length - 1);
    } finally {
      await offline.stop();
    }
  });

  it('reads the revenue meter the configuration names, and runs the site power controller on it', async () => {
    // Prepare: the site's virtual SunSpec meter; version 4 names it (the registry's `meter`), the recipe does not.
    const meter = await startSiteMeter(siteModelOf(RECORD), hardware.fleet, clock);
    gateway = await startGatewayOnShadow();
    const v4 = gatewayConfigFor(
      { ...hardware.record, meter: { address: `${meter.host}:${meter.port}`, unitId: 1 } },
      4,
    );
    try {
      // Act
      await publisher().publish(SITE_ID, v4);
      await until('configuration 4 in force', () => gateway!.state().siteConfig.registryVersion === 4);
      await gateway.agents()!.switchAgent.controlPower();

      // Assess: the controller read the configured meter, nothing from the recipe.
      const view = gateway.state().switchAgent?.sitePower;
      expect(view?.source).toBe('meter');
      expect(view?.meterReads).toBeGreaterThan(0);
      expect(view?.measuredKw).toBeCloseTo(meter.truePowerW() / 1000, -1);
    } finally {
      await gateway.stop();
      gateway = undefined;
      await meter.close();
    }
  });

  it('runs the GpuWorker on the GPU nodes and model the configuration names, and again on a change', async () => {
    // Prepare: the worker as its Greengrass process runs it (main.ts), with the site's gateway identity.
    const gpu = hardware.fleet.endpoints.find((e) => e.kind === 'gpu')!;
    const pool = hardware.record.gpuPools.find((p) => p.id === gpu.groupId)!;
    const messaging = await connectMqttPort({
      url: mqtt.broker.url,
      clientId: `${SITE_ID}#gpu-worker`,
      mqtt: mqtt.gatewayTls(SITE_ID) ?? (await mqtt.onboardGateway(SITE_ID)),
    });
    const run = await runGpuWorkerOnSiteConfig({
      settings: gpuWorkerConfigSchema.parse({ siteId: SITE_ID, metricsPort: gpu.port }),
      messaging,
      stateDir: mkdtempSync(path.join(os.tmpdir(), 'hcp-shadow-gpu-')),
      clock,
      log: () => {},
    });
    const nodesNow = () =>
      run
        .worker()
        ?.inventory()
        .nodes.map((n) => ({ nodeId: n.nodeId, poolId: n.poolId, modelId: n.modelId, gpuCount: n.gpuCount }));
    const withModels = (servedModels: string[]) => ({
      ...hardware.record,
      gpuPools: hardware.record.gpuPools.map((p) => (p.id === pool.id ? { ...p, servedModels } : p)),
    });
    try {
      // Act
      await publisher().publish(SITE_ID, gatewayConfigFor(withModels([MIXTRAL]), 5));
      const first = await until(
        'the worker on configuration 5',
        () => nodesNow()?.[0]?.modelId === MIXTRAL && nodesNow(),
      );
      await publisher().publish(SITE_ID, gatewayConfigFor(withModels([LLAMA_8B, MIXTRAL]), 6));
      const second = await until(
        'the worker on configuration 6',
        () => nodesNow()?.[0]?.modelId === LLAMA_8B && nodesNow(),
      );

      // Assess: the registry's pool, node endpoint and served model; nothing from a devices file or the recipe.
      expect(first).toEqual([
        { nodeId: `${pool.id}-1`, poolId: pool.id, modelId: MIXTRAL, gpuCount: pool.gpusPerNode },
      ]);
      expect(second).toEqual([{ ...first[0], modelId: LLAMA_8B }]);
    } finally {
      await run.stop();
      await messaging.close();
    }
  });

  it("gives a gateway its own shadow only: another site's certificate cannot read or subscribe to it", async () => {
    // Prepare: the south site's gateway identity.
    const tls = await mqtt.onboardGateway('site-south-1');
    const south = await connectAsync(mqtt.broker.url, { clientId: 'site-south-1#probe', ...tls, reconnectPeriod: 0 });
    try {
      // Act
      const own = await south.subscribeAsync(namedShadowTopic('site-south-1', SITE_CONFIG_SHADOW, 'get/accepted'));
      // mqtt.js rejects a SUBACK carrying the 0x80 failure code.
      const refused = await Promise.allSettled(
        [
          namedShadowTopic(SITE_ID, SITE_CONFIG_SHADOW, 'get/accepted'),
          namedShadowTopic(SITE_ID, SITE_CONFIG_SHADOW, 'update/delta'),
          '$aws/things/site-south-1/shadow/get/accepted',
          '$aws/things/site-south-1/shadow/name/other/get/accepted',
        ].map((topic) => south.subscribeAsync(topic)),
      );
      // Assess: only its own site-config shadow.
      expect(own.map((g) => g.qos)).toEqual([0]);
      expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    } finally {
      await south.endAsync(true);
    }
  });
});
