import type { MqttClient } from 'mqtt';
import type { GridSignal } from '../../../core/messages/grid-signal.js';
import { marketTopic } from '../../../core/messages/topics.js';
import type { MarketSignalPublisher } from '../ports.js';

/** The local platform's relay: the same topic and QoS, on the local broker. */
export class MqttSignalPublisher implements MarketSignalPublisher {
  constructor(private readonly client: MqttClient) {}

  async publish(signal: GridSignal): Promise<void> {
    await this.client.publishAsync(marketTopic(signal.node), JSON.stringify(signal), { qos: 0 });
  }
}
