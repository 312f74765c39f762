import type { PartnerJob } from '../../core/partners/attempt.js';
import type { Partner } from '../../core/partners/catalogue.js';
import type { PartnerSettings } from '../../core/partners/settings.js';

/**
 * The edges of partner overflow. In AWS: the catalogue and each tenant's settings in the table, each partner's API key
 * in its own Secrets Manager secret, the attempt handed to the partner-runner Lambda by an asynchronous invocation.
 * Locally: the same stores on DynamoDB Local, keys from a file or the environment, the runner in-process.
 */

/** What a partner call came to, after the client's own retries. */
export type PartnerCallResult =
  | { readonly ok: true; readonly inputTokens: number; readonly outputTokens: number; readonly calls: number }
  | {
      readonly ok: false;
      readonly detail: string;
      readonly calls: number;
      /** The job was cancelled and the call aborted: nothing to bill. */
      readonly cancelled?: true;
    };

export interface PartnerClient {
  /**
   * Runs one attempt on the partner's OpenAI-compatible endpoint; never throws (a failure is a value). `signal`
   * aborts the call in flight and any retry (the job was cancelled).
   */
  complete(partner: Partner, job: PartnerJob, apiKey: string, signal?: AbortSignal): Promise<PartnerCallResult>;
}

export interface PartnerCredentials {
  /** The partner's API key; throws naming the partner when there is none. */
  apiKey(partnerId: string): Promise<string>;
}

export interface PartnerCatalogueSource {
  partners(): Promise<readonly Partner[]>;
}

export interface PartnerSettingsSource {
  /** Undefined for a tenant that never set any: its work stays in the fleet. */
  get(tenantId: string): Promise<PartnerSettings | undefined>;
}

export interface PartnerDispatchPort {
  /** Hands one attempt to the partner runner; throws when it was not taken. */
  dispatch(job: PartnerJob): Promise<void>;
}

/** What the router needs to overflow work to partners. */
export interface PartnerOverflowDeps {
  readonly catalogue: PartnerCatalogueSource;
  readonly settings: PartnerSettingsSource;
  readonly dispatch: PartnerDispatchPort;
}
