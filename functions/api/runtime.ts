import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type Clock, systemClock } from '../../core/support/clock.js';
import { IotShadowSiteConfigPublisher } from '../fleet/adapters/iot-shadow-site-config-publisher.js';
import { tableRetireBlockers } from '../fleet/adapters/table-retire-blockers.js';
import type { SiteConfigPublisher } from '../fleet/ports.js';
import type { RegistryDeps } from '../fleet/registry.js';
import type { HttpPort } from '../routing/webhooks/deliver.js';
import { pinnedHttp } from '../routing/webhooks/pinned-http.js';
import { readConfig } from '../shared/config.js';
import { DynamoApiKeyStore } from '../shared/data/api-key-store.js';
import type { AuditDeps } from '../shared/data/audit-log.js';
import { DynamoBidStore } from '../shared/data/bid-store.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoIdempotencyStore } from '../shared/data/idempotency.js';
import { DynamoJobStore } from '../shared/data/job-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { stsTenantTableClients } from '../shared/data/sts-tenant-clients.js';
import { DynamoSwitchStateStore } from '../shared/data/switch-state-store.js';
import {
  cacheScoped,
  guardedTenantClients,
  scopeCacheKey,
  type TenantScope,
  type TenantTableClients,
} from '../shared/data/tenant-scope.js';
import { DynamoTenantStore } from '../shared/data/tenant-store.js';
import { DynamoWebhookStore } from '../shared/data/webhook-store.js';
import { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { type SwitchFlowStarter, stepFunctionsSwitchFlows } from './switch-flows.js';

/** What the API handlers run against: the stores on one table, a clock and a source of random ids and secrets. */
export interface ApiRuntime {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  readonly clock: Clock;
  readonly tenants: DynamoTenantStore;
  readonly workloads: DynamoWorkloadStore;
  /** Bids for flex capacity and their fills (issue 28). */
  readonly bids: DynamoBidStore;
  /** The router's jobs, read to tell how a bid fill's work went (its credit on the statement). */
  readonly jobs: Pick<DynamoJobStore, 'get'>;
  readonly idempotency: DynamoIdempotencyStore;
  readonly apiKeys: DynamoApiKeyStore;
  readonly webhooks: DynamoWebhookStore;
  /** Sends the test ping of POST /v1/webhook/test. */
  readonly webhookHttp: HttpPort;
  /** The local platform accepts http://localhost receivers (WEBHOOK_ALLOW_LOCAL_URLS); never in AWS. */
  readonly allowLocalWebhookUrls: boolean;
  readonly audit: AuditDeps;
  /** The site registry and what its changes need: the gateways' configuration publisher, the retire checks. */
  readonly registry: RegistryDeps;
  /** Where operator overrides go: Step Functions in AWS, the local control loop's runner in the sim. */
  readonly switchFlows: SwitchFlowStarter;
  /** The tenant scope this runtime's table client is held to; undefined for the function's own (unscoped) client. */
  readonly scope?: TenantScope;
  /**
   * The same runtime on a tenant-scoped table client (tenant-scope.ts): an STS session of the tenant-data role in AWS,
   * the guard on the shared client locally. Made once per scope.
   */
  forScope(scope: TenantScope): Promise<ApiRuntime>;
  /** `bytes` random bytes, hex. */
  randomHex(bytes: number): string;
  /** 32 random bytes, base64url (43 characters). */
  randomSecret(): string;
}

const configSchema = z.object({
  TABLE_NAME: z.string().min(1),
  /** `true` only on the local platform, where a developer's webhook receiver listens on localhost. */
  WEBHOOK_ALLOW_LOCAL_URLS: z.stringbool().default(false),
  IOT_DATA_ENDPOINT: iotDataEndpointSchema,
  /**
   * The tenant-data role tenant routes assume with session tags (stacks/constructs/tenant-data-role.ts). Absent
   * locally, where the guard alone holds tenant routes to their tenant.
   */
  TENANT_DATA_ROLE_ARN: z.string().min(1).optional(),
});

export interface WebhookOptions {
  /** @default false */
  readonly allowLocalUrls?: boolean;
  /** @default pinnedHttp (local receivers only with allowLocalUrls) */
  readonly http?: HttpPort;
}

export function createApiRuntime(
  tableName: string,
  client: DynamoDBDocumentClient,
  clock = systemClock,
  switchFlows: SwitchFlowStarter = stepFunctionsSwitchFlows(),
  webhooks: WebhookOptions = {},
  siteConfigPublisher: SiteConfigPublisher = new IotShadowSiteConfigPublisher(createIotDataClient(undefined)),
  tenantTables: TenantTableClients = guardedTenantClients(client),
  scope?: TenantScope,
): ApiRuntime {
  const deps = { client, tableName };
  const workloads = new DynamoWorkloadStore(deps);
  const scoped = new Map<string, Promise<ApiRuntime>>();
  const forScope = (target: TenantScope) => {
    const key = scopeCacheKey(target);
    let runtime = scoped.get(key);
    if (!runtime) {
      runtime = tenantTables
        .forScope(target)
        .then((scopedClient) =>
          createApiRuntime(
            tableName,
            scopedClient,
            clock,
            switchFlows,
            webhooks,
            siteConfigPublisher,
            tenantTables,
            target,
          ),
        );
      cacheScoped(scoped, key, runtime);
      runtime.catch(() => scoped.delete(key));
    }
    return runtime;
  };
  return {
    ...(scope ? { scope } : {}),
    forScope,
    tableName,
    client,
    clock,
    tenants: new DynamoTenantStore(deps),
    workloads,
    bids: new DynamoBidStore(deps),
    jobs: new DynamoJobStore(deps, workloads),
    idempotency: new DynamoIdempotencyStore(deps),
    apiKeys: new DynamoApiKeyStore(deps),
    webhooks: new DynamoWebhookStore(deps),
    webhookHttp: webhooks.http ?? pinnedHttp({ allowLocalHosts: webhooks.allowLocalUrls ?? false }),
    allowLocalWebhookUrls: webhooks.allowLocalUrls ?? false,
    audit: { ...deps, clock, ...(localAuditWake ? { onOutbox: localAuditWake } : {}) },
    registry: {
      store: new DynamoSiteRegistryStore(deps),
      publisher: siteConfigPublisher,
      blockers: tableRetireBlockers({
        jobs: new DynamoJobStore(deps, workloads),
        switches: new DynamoSwitchStateStore(deps),
      }),
      clock,
    },
    switchFlows,
    randomHex: (bytes) => randomBytes(bytes).toString('hex'),
    randomSecret: () => randomBytes(32).toString('base64url'),
  };
}

let cached: ApiRuntime | undefined;
let localSwitchFlows: SwitchFlowStarter | undefined;
let localClock: Clock | undefined;
let localAuditWake: ((partition: string) => void) | undefined;

/**
 * The local platform's audit chainer, woken by each committed outbox write as the table's stream wakes the chain
 * Lambda in AWS. Never called in AWS.
 */
export function useLocalAuditChainer(wake: ((partition: string) => void) | undefined): void {
  localAuditWake = wake;
  cached = undefined;
}

let localSiteConfigPublisher: SiteConfigPublisher | undefined;

/** The local platform's stand-in for the gateways' named shadows. Never called in AWS. */
export function useLocalSiteConfigPublisher(publisher: SiteConfigPublisher | undefined): void {
  localSiteConfigPublisher = publisher;
  cached = undefined;
}

/**
 * The local platform's clock (its simulated one), so workloads, usage periods, statements and fleet figures are dated
 * on the clock plans and market run on. Never called in AWS, where the system clock is the platform's.
 */
export function useLocalClock(clock: Clock | undefined): void {
  localClock = clock;
  cached = undefined;
}

/**
 * The local platform runs SwitchFlow in-process: it hands its runner here, as the ApiStack hands SWITCH_FLOW_ARN to
 * the override Lambda. Never called in AWS.
 */
export function useLocalSwitchFlows(starter: SwitchFlowStarter): void {
  localSwitchFlows = starter;
  cached = undefined;
}

/**
 * The runtime for TABLE_NAME, made on first use (a Lambda container's whole life; locally, `createLocalApi` sets
 * TABLE_NAME as the deployed function's environment does). A missing TABLE_NAME fails naming the variable.
 */
export function apiRuntime(): ApiRuntime {
  const { TABLE_NAME, WEBHOOK_ALLOW_LOCAL_URLS, IOT_DATA_ENDPOINT, TENANT_DATA_ROLE_ARN } = readConfig(configSchema);
  if (cached?.tableName !== TABLE_NAME) {
    const client = documentClient();
    cached = createApiRuntime(
      TABLE_NAME,
      client,
      localClock ?? systemClock,
      localSwitchFlows ?? stepFunctionsSwitchFlows(),
      { allowLocalUrls: WEBHOOK_ALLOW_LOCAL_URLS },
      localSiteConfigPublisher ?? new IotShadowSiteConfigPublisher(createIotDataClient(IOT_DATA_ENDPOINT)),
      TENANT_DATA_ROLE_ARN
        ? stsTenantTableClients({
            roleArn: TENANT_DATA_ROLE_ARN,
            clientConfig: { requestHandler: client.config.requestHandler },
          })
        : guardedTenantClients(client),
    );
  }
  return cached;
}
