import mqtt from 'mqtt';
import { ManualClock } from '../../../core/support/clock.js';
import { connectWithFailover, endpointAfter } from '../../../iot-greengrass/adapters/messaging/endpoint-failover.js';
import { componentRuntime } from '../../../iot-greengrass/adapters/runtime-env.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { until } from '../../support/until.js';

/**
 * The gateway's endpoint failover on two real brokers standing in for two regions' IoT Core: the gateway stays on
 * the primary's while it answers, moves to the standby's once the primary has been unreachable for the rule's time
 * (on the gateway's clock), takes commands there on the topics it subscribed to before, and does not move back.
 */
describe('gateway endpoint failover', () => {
  let primary: RunningMqttBroker;
  let standby: RunningMqttBroker;

  beforeEach(async () => {
    [primary, standby] = await Promise.all([startMqttBroker(), startMqttBroker()]);
  });
  afterEach(async () => {
    await Promise.allSettled([primary.stop(), standby.stop()]);
  });

  it('reads HCP_MQTT_URL as one endpoint per region, primary first, and refuses a bad failover time naming it', async () => {
    // Prepare
    const env = {
      HCP_SITE_ID: 'site-west-1',
      HCP_STATE_DIR: '/tmp',
      HCP_MESSAGING: 'mqtt',
      HCP_MQTT_URL: `${primary.url}, ${standby.url}`,
    };
    const cloud = await mqtt.connectAsync(primary.url, { clientId: 'primary-cloud' });
    const heard: string[] = [];
    cloud.on('message', (_t, payload) => heard.push(payload.toString()));
    await cloud.subscribeAsync('hcp/v1/sites/site-west-1/acks', { qos: 1 });
    // Act
    const runtime = await componentRuntime('SwitchAgent', env);
    await until('connected', () => runtime.messaging.isConnected());
    await runtime.messaging.publish('cloud', 'hcp/v1/sites/site-west-1/acks', 'on the primary', 1);
    // Assess
    await until('heard on the primary', () => heard.includes('on the primary'));
    await runtime.messaging.close();
    await cloud.endAsync(true);
    await expect(componentRuntime('SwitchAgent', { ...env, HCP_MQTT_FAILOVER_AFTER_MS: '10' })).rejects.toThrow(
      'HCP_MQTT_FAILOVER_AFTER_MS',
    );
  });

  it('applies the rule: move after failoverAfterMs unreachable, round the list, never while connected', () => {
    expect(endpointAfter(0, 2, undefined, 1_000_000, 60_000)).toBe(0);
    expect(endpointAfter(0, 2, 1_000, 60_999, 60_000)).toBe(0);
    expect(endpointAfter(0, 2, 1_000, 61_000, 60_000)).toBe(1);
    expect(endpointAfter(1, 2, 1_000, 61_000, 60_000)).toBe(0);
  });

  it('moves to the standby region’s endpoint after the primary is gone for a minute, with its subscriptions', async () => {
    // Prepare
    const clock = new ManualClock(Date.UTC(2026, 11, 7));
    const port = await connectWithFailover({
      urls: [primary.url, standby.url],
      clientId: 'hcp-gateway-site-west-1',
      clock,
      reconnectPeriodMs: 50,
      checkEveryMs: 20,
    });
    const heard: string[] = [];
    await port.subscribe('cloud', 'hcp/v1/sites/site-west-1/commands', (_t, payload) => heard.push(payload.toString()));
    await until('connected to the primary', () => port.isConnected());

    // Act: the primary region's IoT Core goes away; the rule counts on the gateway's clock, not the test's wait
    await primary.stop();
    await until('the loss noticed', () => !port.isConnected());
    clock.advanceMs(59_000);
    await new Promise((resolve) => setImmediate(resolve));
    const stillOnPrimary = port.endpoint();
    clock.advanceMs(1_000);
    await until('moved and connected to the standby', () => port.endpoint() === standby.url && port.isConnected());

    // Assess: a command the standby region publishes reaches the gateway on the topic it subscribed to on the primary
    const cloud = await mqtt.connectAsync(standby.url, { clientId: 'standby-cloud' });
    await until('command heard', async () => {
      await cloud.publishAsync('hcp/v1/sites/site-west-1/commands', 'from us-west-2', { qos: 1 });
      return heard.includes('from us-west-2');
    });
    await port.publish('cloud', 'hcp/v1/sites/site-west-1/acks', 'ack', 1);
    expect(stillOnPrimary).toBe(primary.url);
    expect(port.endpoint()).toBe(standby.url);
    // Sticky: the primary back does not pull the gateway away from a working standby.
    primary = await startMqttBroker({ port: Number(new URL(primary.url).port) });
    clock.advanceMs(120_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(port.endpoint()).toBe(standby.url);
    await cloud.endAsync(true);
    await port.close();
  });
});
