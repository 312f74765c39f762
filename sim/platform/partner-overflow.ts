import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PartnerJob } from '../../core/partners/attempt.js';
import type { Clock } from '../../core/support/clock.js';
import { openAiCompatiblePartner } from '../../functions/partners/adapters/openai-compatible-partner.js';
import type { PartnerClient, PartnerCredentials, PartnerOverflowDeps } from '../../functions/partners/ports.js';
import { type PartnerRunOutcome, runPartnerAttemptWhenQueued } from '../../functions/partners/run.js';
import type { WorkloadEventsPort } from '../../functions/routing/ports.js';
import type { RoutingLog } from '../../functions/routing/transitions.js';
import { DynamoJobStore } from '../../functions/shared/data/job-store.js';
import { DynamoPartnerCatalogueStore, DynamoPartnerSettingsStore } from '../../functions/shared/data/partner-store.js';
import { DynamoWorkloadStore } from '../../functions/shared/data/workload-store.js';

export interface LocalPartnerOverflowOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock: Clock;
  readonly events: WorkloadEventsPort;
  /** The local stand-in for the partners' secrets (functions/partners/adapters/local-credentials.ts). */
  readonly credentials: PartnerCredentials;
  /** @default the OpenAI-compatible adapter on real HTTP */
  readonly partnerClient?: PartnerClient;
  /** Called when a partner failure put a job back in line: the router runs again. */
  readonly onRequeued?: () => void;
  readonly log?: RoutingLog;
}

export interface LocalPartnerOverflow extends PartnerOverflowDeps {
  /** Every attempt's outcome, in the order they ended. */
  readonly outcomes: { readonly job: PartnerJob; readonly outcome: PartnerRunOutcome }[];
  /** Attempts handed over and still running. */
  running(): number;
  stop(): Promise<void>;
}

/**
 * Partner overflow on the local platform, on the use cases the Lambdas run: the catalogue and tenants' settings on
 * DynamoDB Local, and the partner runner (functions/partners/run.ts) in-process in place of the asynchronously
 * invoked Lambda, calling the partner over HTTP.
 */
export function startLocalPartnerOverflow(options: LocalPartnerOverflowOptions): LocalPartnerOverflow {
  const deps = { client: options.client, tableName: options.tableName };
  const jobs = new DynamoJobStore(deps, new DynamoWorkloadStore(deps));
  const catalogue = new DynamoPartnerCatalogueStore(deps);
  const log = options.log ?? (() => {});
  const inFlight = new Set<Promise<void>>();
  const outcomes: LocalPartnerOverflow['outcomes'] = [];
  let stopped = false;
  const runDeps = {
    jobs,
    catalogue,
    credentials: options.credentials,
    client: options.partnerClient ?? openAiCompatiblePartner({ clock: options.clock }),
    events: options.events,
    clock: options.clock,
    log,
    onRequeued: () => options.onRequeued?.(),
  };
  return {
    catalogue,
    settings: new DynamoPartnerSettingsStore(deps),
    outcomes,
    running: () => inFlight.size,
    dispatch: {
      async dispatch(job) {
        if (stopped) throw new Error('partner overflow stopped');
        const run = runPartnerAttemptWhenQueued(runDeps, job, (ms) => new Promise((r) => setTimeout(r, ms)))
          .then((outcome) => {
            outcomes.push({ job, outcome });
            log('partner-attempt', { jobId: job.jobId, attempt: job.attempt, partnerId: job.partnerId, ...outcome });
          })
          .catch((error: unknown) => log('partner-attempt-failed', { jobId: job.jobId, error: String(error) }))
          .finally(() => inFlight.delete(run));
        inFlight.add(run);
      },
    },
    async stop() {
      stopped = true;
      await Promise.all([...inFlight]);
    },
  };
}
