import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_KEYS } from '../../../functions/shared/data/table-design.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { startLocalLatestState } from '../../../sim/platform/latest-state.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { until } from '../../support/until.js';
import { type Harness, SITE_ID, startHarness } from './harness.js';

describe('the telemetry high-water mark on the local platform', () => {
  let h: Harness;
  let table: LocalTable;
  let rules: MessagingPort;
  beforeAll(async () => {
    table = await startLocalTable('hcp-telemetry-acks');
  });
  afterAll(() => table.stop());
  beforeEach(async () => {
    h = await startHarness({ asics: 6, gpuNodes: 1 });
    rules = await connectMqttPort({ url: h.broker.url, clientId: 'hcp-latest-state-test' });
    await startLocalLatestState({
      client: table.client,
      tableName: table.tableName,
      messaging: rules,
    });
  });
  afterEach(async () => {
    await h.stop();
    await rules.close();
  });

  it('empties the gateway spool only once the mark, stored in the table and sent over the broker, covers each batch', async () => {
    // Prepare
    await h.startGateway({ config: { telemetry: { awaitCloudAck: true } } });

    // Act
    for (let i = 0; i < 3; i++) await h.gateway.pollTelemetry();
    await until('the mark to cover the three batches', () => h.gateway.state().telemetry.ackedThroughSeq === 2, {
      detail: () => h.gateway.state().telemetry,
    });
    const { Item } = await table.client.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { [TABLE_KEYS.partitionKey]: `SITE#${SITE_ID}`, [TABLE_KEYS.sortKey]: `TELEMETRY_MARK#gw-${SITE_ID}` },
      }),
    );

    // Assess
    expect(h.gateway.state().telemetry).toMatchObject({ spooled: 0, unacked: 0, nextBatchSeq: 3 });
    expect(Item).toMatchObject({ ackedThroughSeq: 2, pending: [] });
  });
});
