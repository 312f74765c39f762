import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../sim/local/dynamodb-local.js';

export interface DocumentClientConfig {
  /** The SDK's attempts per call (1: no retries). @default the SDK's */
  readonly maxAttempts?: number;
}

export interface LocalTable {
  /** A document client on the table, made with the config startLocalTable was given. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** DynamoDB Local's URL, for code that builds its own clients (the local API, an AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  /** Another document client on the same DynamoDB Local, e.g. with its own retry setting; stop() destroys it too. */
  newClient(config?: DocumentClientConfig): DynamoDBDocumentClient;
  /** Destroys every client made here and stops DynamoDB Local. */
  stop(): Promise<void>;
}

/**
 * DynamoDB Local with the platform's table (table-design.ts) and a document client on it, for one test file or
 * harness. The one way tests start DynamoDB Local (test/integration/stand-ins tests the stand-in itself).
 */
export async function startLocalTable(tableName: string, clientConfig: DocumentClientConfig = {}): Promise<LocalTable> {
  const dynamo = await startDynamoDbLocal();
  try {
    const admin = localDynamoDbClient(dynamo.endpoint);
    await ensureTable(admin, tableName).finally(() => admin.destroy());
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const clients: DynamoDBDocumentClient[] = [];
  const newClient = (config: DocumentClientConfig = {}) => {
    const client = createDocumentClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      ...config,
    });
    clients.push(client);
    return client;
  };
  return {
    client: newClient(clientConfig),
    tableName,
    endpoint: dynamo.endpoint,
    newClient,
    async stop() {
      for (const client of clients) client.destroy();
      await dynamo.stop();
    },
  };
}
