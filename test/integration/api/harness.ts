import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import {
  type DemoTenant,
  type LocalApi,
  type LocalApiOptions,
  startLocalApiServer,
} from '../../../sim/local/api-routes.js';
import { ShadowSiteConfigPublisher } from '../../../sim/local/shadow-site-config-publisher.js';
import type { LocalMqtt } from '../../../sim/platform/local-mqtt.js';
import { registerSitesThroughApi } from '../../../sim/platform/start/registry.js';
import { undocumentedAnswer } from './openapi-responses.js';

/** DynamoDB Local + the real API behind the local adapter, over real HTTP: what `npm start` serves. */
export interface ApiHarness {
  readonly url: string;
  readonly api: LocalApi;
  readonly demo: DemoTenant;
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  /** A call with the demo operator's key. */
  operator(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** A second customer tenant with a customer-user key: the key. */
  addCustomerTenant(tenantId: string): Promise<string>;
  stop(): Promise<void>;
}

export interface CallOptions {
  readonly key?: string;
  readonly body?: unknown;
  /** Sent as is (no JSON.stringify), for malformed bodies. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export async function startApiHarness(
  options: Partial<LocalApiOptions> & {
    /** Register the reference fleet's sites through the operator API, as `npm start` does. @default true */
    readonly seedSites?: boolean;
  } = {},
): Promise<ApiHarness> {
  const { seedSites = true, ...apiOptions } = options;
  const server = await startLocalApiServer({ tableName: 'hcp-api-test', ...apiOptions });
  const demo = await server.api.seedDemoTenant();
  if (seedSites) await registerSitesThroughApi(server.url, demo.operatorApiKey, referenceSiteConfigs, () => {});

  async function call(method: string, path: string, callOptions: CallOptions = {}) {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.key) headers['x-api-key'] = callOptions.key;
    let body: string | undefined = callOptions.rawBody;
    if (callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    const problem = undocumentedAnswer(method, path, {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text,
    });
    if (problem) throw new Error(`answer not as the OpenAPI document says: ${problem}`);
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  async function addCustomerTenant(tenantId: string) {
    await server.api.runtime.tenants.create({
      tenantId,
      name: tenantId,
      usagePlan: 'standard',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    return server.api.issueApiKey(tenantId, 'customer-user');
  }

  const operator = (method: string, path: string, body?: unknown) =>
    call(method, path, { key: demo.operatorApiKey, ...(body === undefined ? {} : { body }) });

  return { ...server, demo, call, operator, addCustomerTenant, stop: () => server.stop() };
}

/**
 * The API as `npm start` runs it beside the local broker: sites' configuration published to the broker's shadows,
 * switch flows not started (the tests that use it drive the gateways themselves).
 */
export function startApiOnBroker(mqtt: LocalMqtt, options: Pick<LocalApiOptions, 'tableName' | 'clock'>) {
  return startApiHarness({
    ...options,
    siteConfigPublisher: new ShadowSiteConfigPublisher(mqtt.shadows),
    switchFlows: { start: async () => ({ executionArn: 'none' }) },
  });
}
