import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type MqttClient } from 'mqtt';
import { CONTROL_PLANE_ACCESS } from '../../../core/iot/topic-access.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { ManualClock } from '../../../core/support/clock.js';
import { useLocalGatewayIdentities } from '../../../functions/api/operator/gateway-identities.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { LocalMqttIdentities } from '../../../sim/local/local-mqtt-identities.js';
import { type BrokerRefusal, type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import type { LocalControlPlane } from '../../../sim/platform/local-control-plane.js';
import { until } from '../../support/until.js';
import { type OperatorApiHarness, startLocalSwitchFlow, startOperatorApi } from '../api-operator/harness.js';
import { LADDER, planWith, SITE, SITE_ID } from '../gateway/harness.js';

/**
 * A gateway's identity end to end on the local platform's real parts: the gateway makes its key and CSR with openssl
 * as on a device, is onboarded through the API (the local CA behind the same port as IoT Core), connects to the
 * TLS broker with its certificate and is switched by the SwitchFlow; the broker applies the gateway policy's rules
 * per connection, refuses clients without a certificate, cross-site traffic and revoked certificates.
 */

const run = promisify(execFile);
const OTHER_SITE = 'site-south-1';

let h: OperatorApiHarness;
let identities: LocalMqttIdentities;
let broker: RunningMqttBroker;
let cloud: MqttClient;
let controlPlane: LocalControlPlane;
let fleet: VirtualFleet;
let gateway: RunningGateway | undefined;
let dir: string;
let tick: NodeJS.Timeout;
const refusals: BrokerRefusal[] = [];
let runSwitchFlow: (input: unknown, executionName: string) => Promise<{ status: string }>;

/** `openssl req` on the device: a new key that stays there and a CSR for `subject`. */
async function deviceKeyAndCsr(name: string, subject: string, newKey = 'ec', keyOption = 'ec_paramgen_curve:P-256') {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    newKey,
    '-pkeyopt',
    keyOption,
    '-nodes',
    '-subj',
    `/CN=${subject}`,
    '-keyout',
    keyFile,
    '-out',
    csrFile,
  ]);
  return { key: readFileSync(keyFile, 'utf8'), csr: readFileSync(csrFile, 'utf8') };
}

async function onboard(siteId: string, csr: string) {
  return h.call('POST', `/v1/sites/${siteId}/gateway`, { body: { csr } });
}

/** A connection attempt with a certificate; resolves with the client or the refusal. */
function connectWith(tls: { key?: string; cert?: string }, clientId: string) {
  return connectAsync(broker.url, {
    clientId,
    ...tls,
    ca: identities.ca.certificatePem,
    rejectUnauthorized: true,
    reconnectPeriod: 0,
    connectTimeout: 3_000,
  });
}

const awakeAsics = () => fleet.miners.filter((m) => m.context.physics.isAwakeCommanded()).length;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-onboarding-'));
  h = await startOperatorApi({
    tableName: 'hcp-gateway-onboarding-test',
    switchFlows: { start: async () => ({ executionArn: 'unused' }) },
  });
  identities = await LocalMqttIdentities.create();
  broker = await startMqttBroker({
    tls: { ...identities.serverTls, identityOf: (certificate) => identities.identityOf(certificate) },
    onRefused: (refusal) => refusals.push(refusal),
  });
  identities.useEndpoint(broker.url);
  useLocalGatewayIdentities(identities);
  const cloudTls = await identities.issueService('hcp-control-plane', CONTROL_PLANE_ACCESS);
  cloud = await connectAsync(broker.url, { clientId: 'hcp-cloud', ...cloudTls, reconnectPeriod: 0 });
  const clock = new ManualClock(Date.now());
  tick = setInterval(() => clock.setMs(Date.now()), 5);
  ({ controlPlane, run: runSwitchFlow } = await startLocalSwitchFlow(h, cloud, clock));
  fleet = await startVirtualFleet({ asics: 8, gpuNodes: 0, seed: 7, clock, site: SITE_ID, gpuAutoTickMs: 0 });
}, 90_000);

afterAll(async () => {
  clearInterval(tick);
  useLocalGatewayIdentities(undefined);
  await gateway?.stop();
  await fleet?.stop();
  await cloud?.endAsync(true);
  await broker?.stop();
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gateway onboarding and the TLS broker', () => {
  let device: { key: string; csr: string };
  let credentials: { certificatePem: string; certificateId: string; rootCaPem: string; dataEndpoint: string };

  it('onboards a gateway from its CSR, which then connects with its certificate and is switched', async () => {
    // Prepare
    device = await deviceKeyAndCsr('west', SITE_ID);

    // Act
    const first = await onboard(SITE_ID, device.csr);
    const again = await onboard(SITE_ID, device.csr);
    credentials = first.body;
    gateway = await startGateway({
      siteId: SITE_ID,
      site: SITE,
      brokerUrl: credentials.dataEndpoint,
      tls: { key: device.key, cert: credentials.certificatePem, ca: credentials.rootCaPem },
      devices: fleet.endpoints,
      stateDir: path.join(dir, 'gateway'),
      autoTick: false,
      config: { switchAgent: { heartbeatTimeoutMs: 3_600_000, ladder: LADDER } },
    });
    await until('the gateway connected over TLS', () => gateway!.messaging.isConnected());
    const plan = planWith([{}], 1, Math.floor(Date.now() / 300_000) * 300_000);
    expect((await controlPlane.plans.save(plan)).ok).toBe(true);
    const result = await runSwitchFlow({ siteId: SITE_ID, planVersion: 1 }, 'plan-v1');
    await until('every miner awake', () => awakeAsics() === fleet.miners.length, { detail: awakeAsics });

    // Assess
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ siteId: SITE_ID, thingName: SITE_ID, created: true });
    expect(first.body.dataEndpoint).toBe(broker.url);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ certificateId: first.body.certificateId, created: false });
    expect(gateway.messaging.isConnected()).toBe(true);
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(awakeAsics()).toBe(fleet.miners.length);
  }, 60_000);

  it('refuses a client without a certificate at the TLS handshake, and logs it', async () => {
    // Act
    const attempt = connectWith({}, 'anonymous');

    // Assess
    await expect(attempt).rejects.toThrow();
    await until('the TLS refusal logged', () => refusals.some((r) => r.stage === 'tls'));
    expect(refusals.find((r) => r.stage === 'tls')).toMatchObject({ client: expect.stringContaining('127.0.0.1') });
  });

  it('lets site A’s certificate neither subscribe to site B’s topics nor publish on B’s command topic', async () => {
    // Prepare: B is onboarded too, so its topics are someone's.
    const other = await deviceKeyAndCsr('south', OTHER_SITE);
    expect((await onboard(OTHER_SITE, other.csr)).status).toBe(201);
    const asA = await connectWith({ key: device.key, cert: credentials.certificatePem }, `${SITE_ID}#probe`);
    const closed = new Promise<void>((resolve) => asA.once('close', () => resolve()));

    // Act
    const own = await asA.subscribeAsync(siteTopic(SITE_ID, 'commands'), { qos: 1 });
    const foreign = [siteTopic(OTHER_SITE, 'commands'), siteTopic(OTHER_SITE, 'telemetry'), 'hcp/v1/sites/+/commands'];
    // mqtt.js rejects a SUBACK carrying the 0x80 failure code.
    const subscriptions = await Promise.allSettled(foreign.map((topic) => asA.subscribeAsync(topic, { qos: 1 })));
    asA.publish(siteTopic(OTHER_SITE, 'commands'), JSON.stringify({ kind: 'set-mode', mode: 'all-off' }), { qos: 1 });
    await closed;

    // Assess
    expect(own.map((g) => g.qos)).toEqual([1]);
    expect(subscriptions.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const fromA = refusals.filter((r) => r.client.startsWith(`CN=${SITE_ID} `));
    expect(fromA.filter((r) => r.stage === 'subscribe').map((r) => r.topic)).toEqual(foreign);
    expect(fromA).toContainEqual(
      expect.objectContaining({ stage: 'publish', topic: siteTopic(OTHER_SITE, 'commands') }),
    );
    expect(asA.connected).toBe(false);
  });

  it('refuses a certificate that connects under another site’s client id', async () => {
    // Act
    const attempt = connectWith({ key: device.key, cert: credentials.certificatePem }, OTHER_SITE);

    // Assess
    await expect(attempt).rejects.toThrow(/Not authorized/i);
  });

  it('refuses CSRs with a 422 naming the rule: small RSA key, another site’s CN, malformed PEM', async () => {
    // Prepare
    const smallRsa = await deviceKeyAndCsr('rsa1024', SITE_ID, 'rsa', 'rsa_keygen_bits:1024');
    const wrongCn = await deviceKeyAndCsr('wrong-cn', OTHER_SITE);

    // Act
    const responses = await Promise.all([
      onboard('site-north-1', smallRsa.csr),
      onboard('site-north-1', wrongCn.csr),
      onboard('site-north-1', '-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----'),
    ]);

    // Assess
    const rules = responses.map((r) => r.body.error.issues.map((i: { rule: string }) => i.rule));
    expect(responses.map((r) => r.status)).toEqual([422, 422, 422]);
    expect(rules).toEqual([['rsa-key-size', 'subject-cn'], ['subject-cn'], ['malformed-pem']]);
    expect(responses[0]!.body.error.issues[0]).toMatchObject({ field: 'csr' });
  });

  it('refuses a revoked certificate on its next connect', async () => {
    // Act
    const revoked = await h.call('DELETE', `/v1/sites/${SITE_ID}/gateway`);
    const attempt = connectWith({ key: device.key, cert: credentials.certificatePem }, `${SITE_ID}#after-revoke`);

    // Assess
    expect(revoked.status).toBe(200);
    expect(revoked.body.certificates).toEqual([{ certificateId: credentials.certificateId, deleted: true }]);
    await expect(attempt).rejects.toThrow(/Not authorized/i);
    expect(refusals).toContainEqual(expect.objectContaining({ stage: 'connect', clientId: `${SITE_ID}#after-revoke` }));
  });
});
