import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { systemClock } from '../../../core/support/clock.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { until } from '../../support/until.js';
import { LADDER } from './harness.js';

const SITE = referenceFleet.sites[0]!;

describe('startGateway as the local platform runs it: wall clock, own timers, MQTT for everything', () => {
  let broker: RunningMqttBroker;
  let fleet: VirtualFleet;
  let gateway: RunningGateway;
  let stateDir: string;
  let meter: mqtt.MqttClient;

  beforeAll(async () => {
    broker = await startMqttBroker();
    fleet = await startVirtualFleet({ asics: 12, gpuNodes: 1, seed: 5, clock: systemClock, site: SITE.id });
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-gateway-rt-'));
    meter = await mqtt.connectAsync(broker.url, { clientId: `meter-${randomUUID()}` });
  });
  afterAll(async () => {
    await gateway?.stop();
    await meter.endAsync(true);
    await fleet.stop();
    await broker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('reacts to a grid signal published on the site grid topic and publishes telemetry on its own period', async () => {
    // Prepare
    const batches: TelemetryBatch[] = [];
    meter.on('message', (topic, payload) => {
      if (topic === siteTopic(SITE.id, 'telemetry')) batches.push(JSON.parse(payload.toString()) as TelemetryBatch);
    });
    await meter.subscribeAsync(siteTopic(SITE.id, 'telemetry'), { qos: 1 });
    gateway = await startGateway({
      siteId: SITE.id,
      site: SITE,
      brokerUrl: broker.url,
      devices: fleet.endpoints,
      stateDir,
      config: {
        switchAgent: { defaultMode: 'all-on', tickMs: 50, ladder: LADDER },
        telemetry: { pollPeriodMs: 200 },
      },
    });
    const s21 = fleet.miners.filter((m) => m.item.groupId === 'west-s21-a');

    // Act: the site's meter relay reports an under-frequency dip.
    const dip = { kind: 'frequency', at: new Date().toISOString(), node: SITE.marketNode, frequencyHz: 59.6 };
    await meter.publishAsync(siteTopic(SITE.id, 'grid'), JSON.stringify(dip), { qos: 1 });
    await until('the S21 group to sleep', () => s21.every((m) => !m.context.physics.isAwakeCommanded()));
    await until(
      'two telemetry batches and every device confirmed',
      () => batches.length >= 2 && gateway.state().switchAgent.devices.confirmed === fleet.endpoints.length,
      { detail: () => ({ batches: batches.length, devices: gateway.state().switchAgent.devices }) },
    );

    // Assess
    expect(s21.every((m) => !m.context.physics.isAwakeCommanded())).toBe(true);
    expect(gateway.state().switchAgent).toMatchObject({ mode: 'all-on', heldGroups: ['west-s21-a'] });
    expect(gateway.state().switchAgent.devices.confirmed).toBe(fleet.endpoints.length);
    expect(batches.map((b) => b.batchSeq).slice(0, 2)).toEqual([0, 1]);
    expect(batches[0]!.metrics).toHaveLength(fleet.endpoints.length);
  });
});
