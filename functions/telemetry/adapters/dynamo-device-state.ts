import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeviceMetric } from '../../../core/messages/telemetry.js';
import { TABLE_KEYS } from '../../shared/data/table-design.js';
import type { DeviceStateStore } from '../ports.js';

/**
 * Access pattern: a site's devices and their latest state (`SITE#<id>` / `DEVICE#<deviceId>`, one Query by prefix).
 * Last writer wins: batches of one gateway arrive in order through the queue, and a late duplicate differs by seconds.
 */
const BATCH_WRITE_LIMIT = 25;
const MAX_ATTEMPTS = 5;

export class DynamoDeviceStateStore implements DeviceStateStore {
  constructor(private readonly deps: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async putLatest(siteId: string, gatewayId: string, devices: readonly DeviceMetric[]): Promise<void> {
    const { client, tableName } = this.deps;
    for (let i = 0; i < devices.length; i += BATCH_WRITE_LIMIT) {
      let requests = devices.slice(i, i + BATCH_WRITE_LIMIT).map((device) => ({
        PutRequest: {
          Item: {
            [TABLE_KEYS.partitionKey]: `SITE#${siteId}`,
            [TABLE_KEYS.sortKey]: `DEVICE#${device.deviceId}`,
            siteId,
            gatewayId,
            ...device,
          },
        },
      }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > MAX_ATTEMPTS) throw new Error(`${requests.length} device states of ${siteId} left unwritten`);
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }
  }
}
