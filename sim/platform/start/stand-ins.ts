import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../functions/shared/data/client.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.js';
import { type LocalMqtt, startLocalMqtt } from '../local-mqtt.js';
import type { PlatformOptions } from '../options.js';
import type { Stops } from './stops.js';

export const LOCAL_TABLE_NAME = 'hcp-local';

/**
 * Step 2, the AWS stand-ins' data side: DynamoDB Local (kept under `--data`) with the platform table, and the
 * environment the API handlers build their SDK clients from, as in Lambda.
 */
export async function startTable(options: PlatformOptions, stops: Stops): Promise<RunningDynamoDbLocal> {
  const dynamo = await startDynamoDbLocal(options.data ? { dbPath: `${options.data}/dynamodb` } : {});
  stops.push(dynamo.stop);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.TABLE_NAME = LOCAL_TABLE_NAME;
  // DynamoDB Local takes any key.
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  await ensureTable(localDynamoDbClient(dynamo.endpoint), LOCAL_TABLE_NAME);
  return dynamo;
}

/** A document client on DynamoDB Local, for the parts that take one. */
export function localDocumentClient(dynamo: RunningDynamoDbLocal): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Step 3, the IoT Core stand-in: an embedded MQTT broker over mutual TLS with the platform's CA, each service's
 * identity, and the operator's certificate written under `--data` (sim/platform/local-mqtt.ts).
 */
export async function startBroker(options: PlatformOptions, stops: Stops): Promise<LocalMqtt> {
  const mqtt = await startLocalMqtt(options.data);
  stops.push(mqtt.stop);
  return mqtt;
}
