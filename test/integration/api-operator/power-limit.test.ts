import { connectAsync, type MqttClient } from 'mqtt';
import { PLATFORM_TENANT_ID } from '../../../core/api/access.js';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import { type PowerScenario, startPowerScenario } from '../../../sim/devices/meter/site-power-scenario.js';
import type { ExecutionResult } from '../../../sim/local/stepfunctions/index.js';
import { type OperatorApiHarness, startLocalSwitchFlow, startOperatorApi } from './harness.js';

/**
 * The operator's power limit end to end: PUT through the local API adapter, the SwitchFlow from the synthesized ASL
 * (lock, signed command, ack wait, commit) on the embedded MQTT broker, the real gateway with its site power
 * controller on a SunSpec meter over Modbus TCP, and the virtual miners and GPU nodes it drives.
 */
describe('PUT /v1/sites/{siteId}/power-limit', () => {
  let h: OperatorApiHarness;
  let s: PowerScenario;
  let cloud: MqttClient;
  const executions = new Map<string, Promise<ExecutionResult>>();

  beforeAll(async () => {
    let run: (input: unknown, name: string) => Promise<ExecutionResult> = async () => {
      throw new Error('the SwitchFlow is not ready');
    };
    h = await startOperatorApi({
      tableName: 'hcp-power-limit-test',
      switchFlows: {
        start: async (input, name) => {
          executions.set(name, run(input, name));
          return { executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` };
        },
      },
    });
    // The gateway refuses any command its control plane's key did not sign.
    const key = LocalCommandSigner.generate('power-limit-test');
    s = await startPowerScenario({
      asics: 60,
      gpuNodes: 8,
      busyNodes: 5,
      switchAgent: { commandKeys: [{ kid: 'power-limit-test', publicKeyPem: key.publicKeyPem }] },
    });
    cloud = await connectAsync(s.broker.url, { clientId: 'hcp-cloud-power-limit', reconnectPeriod: 0 });
    // The control plane on the gateway's clock: the command's validity is judged by it.
    ({ run } = await startLocalSwitchFlow(h, cloud, s.clock, undefined, key.signer));
  });
  afterAll(async () => {
    await cloud?.endAsync(true);
    await s?.stop();
    await h?.stop();
  });

  it('refuses a customer and a limit without an expiry, naming the field', async () => {
    // Act
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const customer = await h.call('PUT', `/v1/sites/${s.site.id}/power-limit`, {
      role: 'customer-admin',
      body: { limitKw: 100, reason: 'feeder work', expiresAt },
    });
    const noExpiry = await h.call('PUT', `/v1/sites/${s.site.id}/power-limit`, {
      body: { limitKw: 100, reason: 'feeder work' },
    });
    // Assess
    expect(customer.status).toBe(403);
    expect(noExpiry.status).toBe(400);
    expect(JSON.stringify(noExpiry.body)).toContain('expiresAt');
  });

  it('reaches the gateway as a signed command and becomes a limit its controller holds, while the plan runs', async () => {
    // Prepare: the site at 97.5% of its interconnect limit.
    await s.run(3);
    const limitKw = Math.round(s.limitKw * 0.85);
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();

    // Act
    const accepted = await h.call('PUT', `/v1/sites/${s.site.id}/power-limit`, {
      principalId: 'operator-7',
      body: { limitKw, reason: 'feeder maintenance', expiresAt },
    });
    const result = await executions.get(accepted.body.executionName);
    const actAtMs = s.clock.nowMs();
    const samples: Array<{ atMs: number; kw: number }> = [];
    await s.run(10, (atMs) => samples.push({ atMs, kw: s.meter.truePowerW() / 1000 }));

    // Assess: the flow committed on the gateway's ack; the controller holds the operator's limit.
    expect(accepted.status).toBe(202);
    expect(accepted.body.override).toMatchObject({ kind: 'set-power-limit', limitKw });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed' } } });
    const view = s.gateway.switchAgent.view().sitePower!;
    expect(view).toMatchObject({ limitSource: 'override', limitKw });
    expect(view.trims + view.sheds).toBeGreaterThan(0);
    expect(samples.filter((p) => p.atMs >= actAtMs + 5_000 && p.kw > limitKw)).toEqual([]);
    // In the history and the audit, the plan not overridden.
    const switches = await h.call('GET', `/v1/sites/${s.site.id}/switches?limit=5`);
    expect(switches.body.items[0]).toMatchObject({ action: 'switch.commit', kind: 'set-power-limit' });
    const site = await h.call('GET', `/v1/sites/${s.site.id}`);
    expect(JSON.stringify(site.body.switching ?? {})).not.toContain('overrideUntil');
    const audit = await listAudit({ client: h.documents, tableName: h.tableName }, PLATFORM_TENANT_ID, 100);
    expect(audit.items.find((e) => e.action === 'site.power-limit')).toMatchObject({ actor: 'operator-7' });
  });
});
