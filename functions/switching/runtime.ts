import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { systemClock } from '../../core/support/clock.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoOverrideStore } from '../shared/data/override-store.js';
import { DynamoPlanStore } from '../shared/data/plan-store.js';
import { DynamoSiteLeaseStore, LeasedSwitchStateStore } from '../shared/data/site-lease-store.js';
import { DynamoSiteLockStore } from '../shared/data/site-lock.js';
import { DynamoSwitchLogStore } from '../shared/data/switch-log-store.js';
import { DynamoSwitchStateStore } from '../shared/data/switch-state-store.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { metrics, traced } from '../shared/powertools.js';
import type { AckDeps } from './acks.js';
import { ChainedSwitchAudit } from './adapters/chained-switch-audit.js';
import { IotCommandPublisher } from './adapters/iot-command-publisher.js';
import { KmsCommandSigner } from './adapters/kms-command-signer.js';
import { PowertoolsSwitchMetrics } from './adapters/powertools-switch-metrics.js';
import { SfnTaskTokenClient } from './adapters/sfn-task-token-client.js';
import { allOf, SiteSwitchLog } from './adapters/site-switch-log.js';
import type { LocalSwitchDeps } from './local-switch.js';
import { createSwitchSteps, type SwitchSteps } from './steps.js';

/** The AWS wiring of the switching Lambdas, built once per container on first use. */

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    /** The account's IoT data endpoint (`iot:DescribeEndpoint`, iot:Data-ATS); the SDK's regional default otherwise. */
    IOT_DATA_ENDPOINT: iotDataEndpointSchema,
    /** The KMS key (ECC_NIST_P256, SIGN_VERIFY) commands are signed with; its id is the `kid` gateways list. */
    COMMAND_SIGNING_KEY_ID: z.string().min(1),
    /** At least the SwitchFlow's own timeout. */
    LOCK_TTL_SECONDS: z.coerce.number().int().positive().default(900),
    /**
     * A multi-region deployment's site lease table (MRSC): the counter and fencing epoch come from the lease, so
     * only the region holding it commands a site. @default none: the single region's counter item in TABLE_NAME
     */
    LEASE_TABLE_NAME: z.string().min(1).optional(),
    /** Set by Lambda: the region this control plane runs in (the lease's holder name). */
    AWS_REGION: z.string().min(1).default('local'),
  }),
);

let steps: SwitchSteps | undefined;

export function switchSteps(): SwitchSteps {
  if (steps) return steps;
  const { TABLE_NAME, IOT_DATA_ENDPOINT, LOCK_TTL_SECONDS, COMMAND_SIGNING_KEY_ID, LEASE_TABLE_NAME, AWS_REGION } =
    config();
  const client = documentClient();
  const regional = new DynamoSwitchStateStore({ client, tableName: TABLE_NAME });
  const switchStates = LEASE_TABLE_NAME
    ? new LeasedSwitchStateStore(
        new DynamoSiteLeaseStore({ client, tableName: LEASE_TABLE_NAME, region: AWS_REGION, clock: systemClock }),
        regional,
      )
    : regional;
  steps = createSwitchSteps({
    locks: new DynamoSiteLockStore({ client, tableName: TABLE_NAME, clock: systemClock }),
    switchStates,
    plans: new DynamoPlanStore({ client, tableName: TABLE_NAME }),
    overrides: new DynamoOverrideStore({ client, tableName: TABLE_NAME }),
    publisher: new IotCommandPublisher(createIotDataClient(IOT_DATA_ENDPOINT)),
    signer: new KmsCommandSigner(traced(new KMSClient({})), COMMAND_SIGNING_KEY_ID),
    metrics: new PowertoolsSwitchMetrics(metrics),
    audit: allOf(
      new ChainedSwitchAudit({ client, tableName: TABLE_NAME, clock: systemClock }),
      new SiteSwitchLog(new DynamoSwitchLogStore({ client, tableName: TABLE_NAME }), systemClock),
    ),
    clock: systemClock,
    newId: randomUUID,
    lockTtlMs: LOCK_TTL_SECONDS * 1000,
  });
  return steps;
}

const tableConfig = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));
let localSwitchDeps: LocalSwitchDeps | undefined;

/** The gateways' own switches into the sites' switch history: the table alone. */
export function localSwitchRuntime(): LocalSwitchDeps {
  localSwitchDeps ??= {
    switchLog: new DynamoSwitchLogStore({ client: documentClient(), tableName: tableConfig().TABLE_NAME }),
  };
  return localSwitchDeps;
}

let ackDeps: AckDeps | undefined;

export function ackRuntime(): AckDeps {
  ackDeps ??= {
    tasks: new SfnTaskTokenClient(traced(new SFNClient({}))),
    metrics: { ackHandled: (handling) => metrics.addMetric(`Ack_${handling}`, MetricUnit.Count, 1) },
    rng: { next: Math.random },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
  return ackDeps;
}
