import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { GridSignal } from '../../../core/messages/grid-signal.js';
import { marketTopic } from '../../../core/messages/topics.js';
import type { MarketSignalPublisher } from '../ports.js';

/** Market signals to IoT Core at QoS 0: a lost price is replaced by the next one a minute later. */
export class IotSignalPublisher implements MarketSignalPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publish(signal: GridSignal): Promise<void> {
    await this.client.send(
      new PublishCommand({
        topic: marketTopic(signal.node),
        qos: 0,
        contentType: 'application/json',
        payload: new TextEncoder().encode(JSON.stringify(signal)),
      }),
    );
  }
}
