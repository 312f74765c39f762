import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { Command } from '../../../core/messages/command.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { CommandPublisher } from '../ports.js';

/** Publishes to IoT Core at QoS 1 on the site's command topic. */
export class IotCommandPublisher implements CommandPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(command: Command): Promise<void> {
    await this.client.send(
      new PublishCommand({
        topic: siteTopic(command.siteId, 'commands'),
        qos: 1,
        contentType: 'application/json',
        payload: new TextEncoder().encode(JSON.stringify(command)),
      }),
    );
  }
}
