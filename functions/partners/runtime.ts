import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { systemClock } from '../../core/support/clock.js';
import { readWorkloadEventsQueueUrl, SqsWorkloadEvents } from '../routing/adapters/sqs-workload-events.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoJobStore } from '../shared/data/job-store.js';
import { DynamoPartnerCatalogueStore, DynamoPartnerSettingsStore } from '../shared/data/partner-store.js';
import { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { logger, traced } from '../shared/powertools.js';
import { lambdaPartnerDispatch } from './adapters/lambda-dispatch.js';
import { openAiCompatiblePartner } from './adapters/openai-compatible-partner.js';
import { partnerSecretsSchema, secretsManagerPartnerCredentials } from './adapters/secrets-manager-credentials.js';
import type { PartnerOverflowDeps } from './ports.js';
import type { PartnerRunDeps } from './run.js';
import type { PartnerSweepDeps } from './sweep.js';

const runnerConfig = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    PARTNER_SECRETS: z.string().transform((text, ctx) => {
      const parsed = partnerSecretsSchema.safeParse(JSON.parse(text));
      if (!parsed.success) ctx.addIssue({ code: 'custom', message: 'a JSON object of secret ARNs by partner id' });
      return parsed.data ?? {};
    }),
  }),
);
const routerConfig = configGetter(
  z.object({ TABLE_NAME: z.string().min(1), PARTNER_RUNNER_FUNCTION: z.string().min(1).optional() }),
);

let runner: PartnerRunDeps | undefined;

/** The partner-runner Lambda's wiring, once per container (TABLE_NAME, PARTNER_SECRETS, WORKLOAD_EVENTS_QUEUE_URL). */
export function partnerRunRuntime(): PartnerRunDeps {
  if (runner) return runner;
  const { TABLE_NAME, PARTNER_SECRETS } = runnerConfig();
  const store = { client: documentClient(), tableName: TABLE_NAME };
  const workloads = new DynamoWorkloadStore(store);
  runner = {
    jobs: new DynamoJobStore(store, workloads),
    workloads,
    catalogue: new DynamoPartnerCatalogueStore(store),
    credentials: secretsManagerPartnerCredentials(traced(new SecretsManagerClient({})), PARTNER_SECRETS),
    client: openAiCompatiblePartner({ clock: systemClock }),
    events: new SqsWorkloadEvents(traced(new SQSClient({})), readWorkloadEventsQueueUrl()),
    clock: systemClock,
    log: (event, detail) => logger.info(event, detail),
  };
  return runner;
}

let sweeper: PartnerSweepDeps | undefined;

/** The stranded-attempt sweep's wiring, once per container (TABLE_NAME, WORKLOAD_EVENTS_QUEUE_URL). */
export function partnerSweepRuntime(): PartnerSweepDeps {
  if (sweeper) return sweeper;
  const { TABLE_NAME } = routerConfig();
  const store = { client: documentClient(), tableName: TABLE_NAME };
  sweeper = {
    jobs: new DynamoJobStore(store, new DynamoWorkloadStore(store)),
    catalogue: new DynamoPartnerCatalogueStore(store),
    events: new SqsWorkloadEvents(traced(new SQSClient({})), readWorkloadEventsQueueUrl()),
    clock: systemClock,
    log: (event, detail) => logger.info(event, detail),
  };
  return sweeper;
}

/** The router's partner overflow, when the deployment has a partner runner (PARTNER_RUNNER_FUNCTION). */
export function partnerOverflowRuntime(): PartnerOverflowDeps | undefined {
  const { TABLE_NAME, PARTNER_RUNNER_FUNCTION } = routerConfig();
  if (!PARTNER_RUNNER_FUNCTION) return undefined;
  const store = { client: documentClient(), tableName: TABLE_NAME };
  return {
    catalogue: new DynamoPartnerCatalogueStore(store),
    settings: new DynamoPartnerSettingsStore(store),
    dispatch: lambdaPartnerDispatch(traced(new LambdaClient({})), PARTNER_RUNNER_FUNCTION),
  };
}
