import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../functions/shared/data/client.js';
import { startApiAdapter } from '../../../sim/local/api-gateway-adapter.js';
import { createLocalApi, type DemoTenant, type LocalApi, type LocalApiOptions } from '../../../sim/local/api-routes.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '../../../sim/local/dynamodb-local.js';

/** DynamoDB Local + the real API behind the local adapter, over real HTTP: what `npm start` serves. */
export interface ApiHarness {
  readonly url: string;
  readonly api: LocalApi;
  readonly demo: DemoTenant;
  readonly documents: DynamoDBDocumentClient;
  readonly admin: DynamoDBClient;
  readonly tableName: string;
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface CallOptions {
  readonly key?: string;
  readonly body?: unknown;
  /** Sent as is (no JSON.stringify), for malformed bodies. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export async function startApiHarness(options: Partial<LocalApiOptions> = {}): Promise<ApiHarness> {
  const dynamo = await startDynamoDbLocal();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION = LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  const admin = localDynamoDbClient(dynamo.endpoint);
  const tableName = `hcp-api-${randomUUID().slice(0, 8)}`;
  await ensureTable(admin, tableName);
  const documents = createDocumentClient();
  const api = createLocalApi({ tableName, client: documents, ...options });
  const adapter = await startApiAdapter({ routes: api.routes, authorizer: api.authorizer, onHandlerError: () => {} });
  const demo = await api.seedDemoTenant();

  async function call(method: string, path: string, callOptions: CallOptions = {}) {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.key) headers['x-api-key'] = callOptions.key;
    let body: string | undefined = callOptions.rawBody;
    if (callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${adapter.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  return {
    url: adapter.url,
    api,
    demo,
    documents,
    admin,
    tableName,
    call,
    async stop() {
      await adapter.stop();
      documents.destroy();
      admin.destroy();
      await dynamo.stop();
    },
  };
}
