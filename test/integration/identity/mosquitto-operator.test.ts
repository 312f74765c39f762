import { existsSync, rmSync, statSync } from 'node:fs';
import { connectAsync, type MqttClient } from 'mqtt';
import { siteTopic } from '../../../core/messages/topics.js';
import { type LocalMqtt, startLocalMqtt } from '../../../sim/platform/local-mqtt.js';
import { runLine } from '../../support/run-line.js';

/**
 * The broker `npm start` runs, seen from outside with Debian's mosquitto_sub (package mosquitto-clients): the exact
 * command the platform prints, with the operator certificate it wrote, sees a gateway's telemetry; the same without a
 * certificate gets nothing.
 */

const SITE = 'site-west-1';
let mqtt: LocalMqtt;
let gateway: MqttClient;
let publisher: NodeJS.Timeout;

beforeAll(async () => {
  mqtt = await startLocalMqtt(undefined);
  const tls = await mqtt.onboardGateway(SITE);
  gateway = await connectAsync(mqtt.broker.url, { clientId: `${SITE}#telemetry`, ...tls, reconnectPeriod: 0 });
  // The gateway reports every 100 ms, so a subscriber that joins at any moment sees the next report.
  let batchSeq = 0;
  publisher = setInterval(() => {
    gateway.publish(siteTopic(SITE, 'telemetry'), JSON.stringify({ siteId: SITE, batchSeq: ++batchSeq }), { qos: 0 });
  }, 100);
}, 30_000);

afterAll(async () => {
  clearInterval(publisher);
  await gateway?.endAsync(true);
  await mqtt?.stop();
  if (mqtt) rmSync(mqtt.operator.dir, { recursive: true, force: true });
});

describe('mosquitto_sub against the local broker', () => {
  it('with the operator certificate the platform wrote, sees telemetry (the printed command)', async () => {
    // Act: the printed line, stopping after one message or 10 s.
    const result = await runLine(`${mqtt.operator.mosquittoSub} -C 1 -W 10`);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^hcp/v1/sites/${SITE}/telemetry \\{"siteId":"${SITE}","batchSeq":\\d+\\}`),
    );
    expect(statSync(mqtt.operator.keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(mqtt.operator.caFile)).toBe(true);
  }, 20_000);

  it('without a certificate gets nothing: the TLS handshake is refused', async () => {
    // Act
    const result = await runLine(
      `mosquitto_sub -h 127.0.0.1 -p ${mqtt.broker.port} --cafile ${mqtt.operator.caFile} -t '#' -C 1 -W 5`,
    );

    // Assess
    expect(result.stdout).toBe('');
    expect(result.code).not.toBe(0);
  }, 20_000);

  it('with the operator certificate may not publish a command', async () => {
    // Prepare: the gateway listens on its command topic.
    const commands: string[] = [];
    gateway.on('message', (topic, payload) => {
      if (topic === siteTopic(SITE, 'commands')) commands.push(payload.toString());
    });
    await gateway.subscribeAsync(siteTopic(SITE, 'commands'), { qos: 1 });

    // Act: mosquitto_pub's QoS 1 publish needs a PUBACK; the broker closes the connection instead.
    const result = await runLine(
      `mosquitto_pub -h 127.0.0.1 -p ${mqtt.broker.port} --cafile ${mqtt.operator.caFile} --cert ${mqtt.operator.certFile} ` +
        `--key ${mqtt.operator.keyFile} -i hcp-operator -q 1 -t ${siteTopic(SITE, 'commands')} -m '{"kind":"set-mode"}'`,
    );

    // Assess: refused (the broker forwards an allowed QoS 1 publish before its PUBACK, so nothing came through).
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toMatch(/usage|unknown option/i);
    expect(commands).toEqual([]);
  }, 20_000);
});
