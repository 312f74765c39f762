import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../powertools.js';

/**
 * The DynamoDB document client the data adapters use. No endpoint here: in AWS the SDK finds the regional one, and
 * locally it reads `AWS_ENDPOINT_URL_DYNAMODB` (set by `npm start` to the DynamoDB Local stand-in) by itself.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(traced(new DynamoDBClient(config)), {
    // Optional fields of our contracts are `undefined` when absent; DynamoDB has no such value.
    marshallOptions: { removeUndefinedValues: true },
  });
}

let shared: DynamoDBDocumentClient | undefined;

/** One client per Lambda container (or process), created on first use so importing a module costs nothing. */
export function documentClient(): DynamoDBDocumentClient {
  shared ??= createDocumentClient();
  return shared;
}
