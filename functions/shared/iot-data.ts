import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { z } from 'zod';
import { traced } from './powertools.js';

/**
 * `IOT_DATA_ENDPOINT`: the account's IoT data endpoint (`iot:DescribeEndpoint`, iot:Data-ATS); absent, the SDK's
 * regional default.
 */
export const iotDataEndpointSchema = z.url().optional();

export function createIotDataClient(endpoint: string | undefined): IoTDataPlaneClient {
  return traced(new IoTDataPlaneClient(endpoint ? { endpoint } : {}));
}

/** What a publisher needs of the client: `IoTDataPlaneClient` satisfies it, and a test passes a `{ send }` stub. */
export interface IotDataSender {
  send(command: PublishCommand): Promise<unknown>;
}

/** Publishes one JSON message through IoT Core; throws when the broker did not take it. */
export async function publishJson(client: IotDataSender, topic: string, message: unknown, qos: 0 | 1): Promise<void> {
  await client.send(
    new PublishCommand({
      topic,
      qos,
      contentType: 'application/json',
      payload: new TextEncoder().encode(JSON.stringify(message)),
    }),
  );
}
