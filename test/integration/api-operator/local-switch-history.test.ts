import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type PowerScenario, startPowerScenario } from '../../../sim/devices/meter/site-power-scenario.js';
import { startLocalSwitchLog } from '../../../sim/platform/local-switch-log.js';
import { until } from '../../support/until.js';
import { LADDER } from '../gateway/harness.js';
import { type OperatorApiHarness, startOperatorApi } from './harness.js';

/**
 * The gateway's own switches in the site's switch history: the site power controller and a local price reaction on
 * the real gateway (virtual miners over TCP, a SunSpec meter over Modbus TCP, the embedded MQTT broker), their
 * `local-switch` events through the stand-in of the IoT rule (the rule Lambda's use case) into DynamoDB Local, read
 * back through GET /v1/sites/{siteId}/switches over HTTP.
 */
describe("a site's switch history with the gateway's own switches", () => {
  let h: OperatorApiHarness;
  let s: PowerScenario;
  let rules: MessagingPort;

  beforeAll(async () => {
    h = await startOperatorApi({
      tableName: 'hcp-local-switch-history-test',
      switchFlows: { start: async () => ({ executionArn: 'arn:aws:states:local:execution:SwitchFlow:unused' }) },
    });
    s = await startPowerScenario({ asics: 60, gpuNodes: 8, busyNodes: 5, switchAgent: { ladder: LADDER } });
    rules = await connectMqttPort({ url: s.broker.url, clientId: 'hcp-latest-state-rules' });
    await startLocalSwitchLog({ client: h.documents, tableName: h.tableName, messaging: rules });
  });
  afterAll(async () => {
    await rules?.close();
    await s?.stop();
    await h?.stop();
  });

  it('lists a controller action and a local price reaction with source, cause, latency and devices', async () => {
    // Act: the GPUs surge (the controller lowers S19 XP targets), then a price spike above the S19 XP rung.
    s.gpuLoad(3);
    await s.run(5);
    await s.gateway.switchAgent.handleGridSignal({
      kind: 'price',
      at: new Date(s.clock.nowMs()).toISOString(),
      node: s.site.marketNode,
      priceUsdPerMwh: 75,
    });

    // Assess
    const items = await until('both local switches in the history', async () => {
      const { status, body } = await h.call('GET', `/v1/sites/${s.site.id}/switches?limit=20`);
      expect(status).toBe(200);
      const causes = body.items.map((i: { cause?: string }) => i.cause);
      return causes.includes('power-limit') && causes.includes('grid:price') && body.items;
    });
    const controller = items.find((i: { cause: string }) => i.cause === 'power-limit');
    const price = items.find((i: { cause: string }) => i.cause === 'grid:price');
    for (const item of [controller, price]) {
      expect(item).toMatchObject({ siteId: s.site.id, action: 'switch.local', source: 'local', outcome: 'executed' });
      expect(item.actor).toBe(`gateway:${s.site.id}`);
      expect(item.latencyMs).toBeGreaterThan(0);
      expect(item.devices.sent).toBeGreaterThan(0);
      expect(item.devices.accepted).toBe(item.devices.sent);
    }
    expect(controller.devices.ids.every((id: string) => id.includes('s19'))).toBe(true);
    // The price took the S19 XP rung (stop at 60 $/MWh), not the S21's (90).
    expect(price.devices.ids.every((id: string) => id.includes('s19'))).toBe(true);
    expect(
      s.fleet.miners
        .filter((m) => m.context.identity.id.includes('s21'))
        .every((m) => m.context.physics.isAwakeCommanded()),
    ).toBe(true);
  });
});
