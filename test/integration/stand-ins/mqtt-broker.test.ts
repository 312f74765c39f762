import { connectAsync, type MqttClient } from 'mqtt';
import { siteTopic } from '../../../core/messages/topics.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';

let broker: RunningMqttBroker;
const clients: MqttClient[] = [];

const connect = async (clientId: string) => {
  const client = await connectAsync(broker.url, { clientId, reconnectPeriod: 0 });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  broker = await startMqttBroker();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await broker?.stop();
});

describe('embedded MQTT broker', () => {
  it('listens on a free loopback port and says so in its url', () => {
    // Assess
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
  });

  it('delivers a QoS 1 command to a site subscriber, acknowledged to the publisher', async () => {
    // Prepare
    const topic = siteTopic('site-north-1', 'commands');
    const gateway = await connect('gateway-north-1');
    const cloud = await connect('cloud-dispatcher');
    await gateway.subscribeAsync('hcp/v1/sites/site-north-1/#', { qos: 1 });
    const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) =>
      gateway.once('message', (messageTopic, payload, packet) =>
        resolve({ topic: messageTopic, payload: payload.toString(), qos: packet.qos }),
      ),
    );

    // Act
    // With QoS 1, publishAsync resolves only once the broker's PUBACK has arrived.
    const sent = await cloud.publishAsync(topic, JSON.stringify({ commandId: 'c-1', seq: 1 }), { qos: 1 });
    const message = await received;

    // Assess
    expect(sent).toMatchObject({ qos: 1, messageId: expect.any(Number) });
    expect(message).toEqual({ topic, payload: '{"commandId":"c-1","seq":1}', qos: 1 });
  });

  it('closes connected clients when it stops', async () => {
    // Prepare
    const own = await startMqttBroker();
    const client = await connectAsync(own.url, { clientId: 'short-lived', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

    // Act
    await own.stop();
    await closed;

    // Assess
    expect(client.connected).toBe(false);
    await client.endAsync(true);
  });
});
