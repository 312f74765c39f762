import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PartnerJob } from '../../core/partners/attempt.js';
import type { Clock } from '../../core/support/clock.js';
import { openAiCompatiblePartner } from '../../functions/partners/adapters/openai-compatible-partner.js';
import type { PartnerClient, PartnerCredentials, PartnerOverflowDeps } from '../../functions/partners/ports.js';
import { type PartnerRunOutcome, runPartnerAttemptWhenQueued } from '../../functions/partners/run.js';
import { type SweptAttempt, sweepStrandedPartnerAttempts } from '../../functions/partners/sweep.js';
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
  /** How often a call in flight looks for the customer's cancellation, real ms. @default 5_000 */
  readonly cancelPollMs?: number;
  /** How often stranded attempts are swept, real ms (the schedule's stand-in; 0: only by `sweep()`). @default 60_000 */
  readonly sweepEveryMs?: number;
  /** The runner's longest life past an attempt's estimated finish, simulated ms. @default the Lambda's 15 minutes */
  readonly runnerMaxMs?: number;
}

export interface LocalPartnerOverflow extends PartnerOverflowDeps {
  /** Every attempt's outcome, in the order they ended. */
  readonly outcomes: { readonly job: PartnerJob; readonly outcome: PartnerRunOutcome }[];
  /** Attempts handed over and still running. */
  running(): number;
  /** Every attempt the sweep ended, in order. */
  readonly swept: SweptAttempt[];
  /** One sweep of stranded attempts now (the timer runs the same). */
  sweep(): Promise<SweptAttempt[]>;
  stop(): Promise<void>;
}

/**
 * Partner overflow on the local platform, on the use cases the Lambdas run: the catalogue and tenants' settings on
 * DynamoDB Local, and the partner runner (functions/partners/run.ts) in-process in place of the asynchronously
 * invoked Lambda, calling the partner over HTTP; the stranded-attempt sweep on a timer in place of its schedule.
 */
export function startLocalPartnerOverflow(options: LocalPartnerOverflowOptions): LocalPartnerOverflow {
  const deps = { client: options.client, tableName: options.tableName };
  const workloads = new DynamoWorkloadStore(deps);
  const jobs = new DynamoJobStore(deps, workloads);
  const catalogue = new DynamoPartnerCatalogueStore(deps);
  const log = options.log ?? (() => {});
  const inFlight = new Set<Promise<void>>();
  const outcomes: LocalPartnerOverflow['outcomes'] = [];
  let stopped = false;
  const runDeps = {
    jobs,
    workloads,
    ...(options.cancelPollMs ? { cancelPollMs: options.cancelPollMs } : {}),
    catalogue,
    credentials: options.credentials,
    client: options.partnerClient ?? openAiCompatiblePartner({ clock: options.clock }),
    events: options.events,
    clock: options.clock,
    log,
    onRequeued: () => options.onRequeued?.(),
  };
  const swept: SweptAttempt[] = [];
  const sweepDeps = {
    ...runDeps,
    ...(options.runnerMaxMs !== undefined ? { runnerMaxMs: options.runnerMaxMs } : {}),
  };
  const sweep = async () => {
    const ended = await sweepStrandedPartnerAttempts(sweepDeps);
    swept.push(...ended);
    return ended;
  };
  const sweepEveryMs = options.sweepEveryMs ?? 60_000;
  const timer =
    sweepEveryMs > 0
      ? setInterval(() => {
          sweep().catch((error: unknown) => log('partner-sweep-failed', { error: String(error) }));
        }, sweepEveryMs)
      : undefined;
  return {
    catalogue,
    settings: new DynamoPartnerSettingsStore(deps),
    outcomes,
    swept,
    sweep,
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
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
