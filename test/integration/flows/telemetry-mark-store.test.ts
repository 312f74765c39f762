import fc from 'fast-check';
import { DynamoTelemetryMarkStore } from '../../../functions/telemetry/adapters/dynamo-mark-store.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';

describe('the telemetry high-water mark in DynamoDB Local', () => {
  let table: LocalTable;
  beforeAll(async () => {
    table = await startLocalTable('hcp-telemetry-marks');
  });
  afterAll(() => table.stop());

  it('reaches the last number whatever the order, with consumers racing on one gateway', async () => {
    const store = new DynamoTelemetryMarkStore({ client: table.client, tableName: table.tableName });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          Array.from({ length: 24 }, (_, i) => i),
          { minLength: 24 },
        ),
        async (order) => {
          // Prepare: a gateway of its own per run
          run += 1;
          const gatewayId = `gw-${run}`;

          // Act: four consumers at once, as the queue's concurrent Lambdas would be, each taking every fourth batch
          const marks = await Promise.all(
            [0, 1, 2, 3].map(async (consumer) => {
              const seen: number[] = [];
              for (const seq of order.filter((_, i) => i % 4 === consumer))
                seen.push(await store.advance('site-west-1', gatewayId, seq, undefined));
              return seen;
            }),
          );
          const after = await store.advance('site-west-1', gatewayId, 5, undefined); // a duplicate

          // Assess
          expect(Math.max(...marks.flat())).toBe(23);
          expect(after).toBe(23);
        },
      ),
      { numRuns: 8 },
    );
  });
});
