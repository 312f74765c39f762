import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseOrThrow } from '../../../core/support/validation.js';
import { traced } from '../../shared/powertools.js';
import { type ErcotCredentials, type ErcotCredentialsSource, ercotCredentialsSchema } from './ercot-public-api.js';

export function createSecretsManagerClient(): SecretsManagerClient {
  return traced(new SecretsManagerClient({}));
}

/** What the adapter needs of the client: `SecretsManagerClient` satisfies it, a test passes a `{ send }` stub. */
export interface SecretValueReader {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

/**
 * ERCOT's API credentials from one Secrets Manager secret, a JSON string
 * `{"subscriptionKey": "...", "username": "...", "password": "..."}` (README: "ERCOT market source"). Read once per
 * Lambda container; a failed read is retried on the next call rather than cached.
 */
export class SecretsManagerErcotCredentials implements ErcotCredentialsSource {
  private loaded: Promise<ErcotCredentials> | undefined;

  constructor(private readonly deps: { readonly client: SecretValueReader; readonly secretId: string }) {}

  credentials(): Promise<ErcotCredentials> {
    this.loaded ??= this.load().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private async load(): Promise<ErcotCredentials> {
    const { SecretString } = await this.deps.client.send(new GetSecretValueCommand({ SecretId: this.deps.secretId }));
    if (!SecretString) throw new Error(`secret ${this.deps.secretId} has no string value`);
    let json: unknown;
    try {
      json = JSON.parse(SecretString);
    } catch {
      throw new Error(`secret ${this.deps.secretId} is not JSON`);
    }
    return parseOrThrow(ercotCredentialsSchema, json, `secret ${this.deps.secretId}`);
  }
}
