import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../sim/local/dynamodb-local.js';

export interface LocalTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  stop(): Promise<void>;
}

/** DynamoDB Local with the platform's table (table-design.ts) and a document client on it, for one test file. */
export async function startLocalTable(tableName: string): Promise<LocalTable> {
  const dynamo = await startDynamoDbLocal();
  const admin = localDynamoDbClient(dynamo.endpoint);
  await ensureTable(admin, tableName).finally(() => admin.destroy());
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    client,
    tableName,
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
