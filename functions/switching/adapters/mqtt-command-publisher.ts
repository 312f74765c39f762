import type { MqttClient } from 'mqtt';
import type { Command } from '../../../core/messages/command.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { CommandPublisher } from '../ports.js';

/** The local platform's publisher: the same topic and QoS, on the local broker. */
export class MqttCommandPublisher implements CommandPublisher {
  constructor(private readonly client: MqttClient) {}

  async publish(command: Command): Promise<void> {
    await this.client.publishAsync(siteTopic(command.siteId, 'commands'), JSON.stringify(command), { qos: 1 });
  }
}
