import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MqttClient } from 'mqtt';
import type { Role } from '../../../core/api/principal.js';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import type { Clock } from '../../../core/support/clock.js';
import { systemClock } from '../../../core/support/clock.js';
import { operatorRoutes } from '../../../functions/api/operator/routes.js';
import { useLocalSiteConfigPublisher, useLocalSwitchFlows } from '../../../functions/api/runtime.js';
import type { SwitchFlowStarter } from '../../../functions/api/switch-flows.js';
import { MemorySiteConfigPublisher } from '../../../functions/fleet/adapters/memory-site-config-publisher.js';
import { createSite } from '../../../functions/fleet/registry.js';
import { DynamoSiteRegistryStore } from '../../../functions/shared/data/site-registry-store.js';
import type { CommandSigner } from '../../../functions/switching/ports.js';
import { type LocalAuthorizer, type Route, startApiAdapter } from '../../../sim/local/api-gateway-adapter.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sim/local/dynamodb-local.js';
import {
  createStateMachineRunner,
  type ExecutionResult,
  TaskTokenRegistry,
} from '../../../sim/local/stepfunctions/index.js';
import { createLocalControlPlane } from '../../../sim/platform/local-control-plane.js';
import { startLocalTable } from '../../support/local-table.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from '../flows/control-flows-stack.js';

/**
 * The operator routes alone behind the local API Gateway adapter, on DynamoDB Local, over real HTTP. A tiny test
 * authorizer stands in for the Lambda authorizer: it sets the principal from `x-test-role` / `x-test-principal`
 * (401 without a role), so the tests choose the caller without issuing keys. The handlers read TABLE_NAME and the
 * DynamoDB endpoint from the environment as the deployed functions do; one harness per test file (the handlers
 * share one process-wide client, bound to the first endpoint it saw).
 */
export interface OperatorApiHarness {
  readonly url: string;
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  /** What the routes published to the gateways' shadows, and what a test has the gateways report. */
  readonly publisher: MemorySiteConfigPublisher;
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export interface CallOptions {
  /** @default 'operator'; null sends no credentials */
  readonly role?: Role | null;
  /** @default `<role>-1` */
  readonly principalId?: string;
  readonly body?: unknown;
  /** Extra request headers (If-Match…). */
  readonly headers?: Readonly<Record<string, string>>;
}

export const testAuthorizer: LocalAuthorizer = ({ headers }) => {
  const header = (name: string) => Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const role = header('x-test-role');
  if (!role) return { allow: false, statusCode: 401, message: 'no test role' };
  const principalId = header('x-test-principal') ?? `${role}-1`;
  return { allow: true, principalId, context: { principalId, tenantId: 'platform', role, authMethod: 'api-key' } };
};

export async function startOperatorApi(options: {
  readonly tableName: string;
  readonly switchFlows: SwitchFlowStarter;
  /** Register the reference fleet's sites before the first call. @default true */
  readonly seedSites?: boolean;
}): Promise<OperatorApiHarness> {
  const table = await startLocalTable(options.tableName);
  const publisher = new MemorySiteConfigPublisher();
  useLocalSiteConfigPublisher(publisher);
  if (options.seedSites ?? true) await seedRegistry(table.client, options.tableName, publisher);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    TABLE_NAME: options.tableName,
  });
  useLocalSwitchFlows(options.switchFlows);
  const routes: Route[] = operatorRoutes.map((route) => {
    let loaded: ReturnType<typeof route.load> | undefined;
    return {
      method: route.method,
      resource: route.resource,
      handler: async (event, context) => {
        loaded ??= route.load();
        return (await loaded)(event, context);
      },
    };
  });
  const adapter = await startApiAdapter({ routes, authorizer: testAuthorizer, onHandlerError: () => {} });
  const documents = table.client;

  async function call(method: string, path: string, callOptions: CallOptions = {}) {
    const role = callOptions.role === undefined ? 'operator' : callOptions.role;
    const headers: Record<string, string> = { ...callOptions.headers };
    if (role) headers['x-test-role'] = role;
    if (callOptions.principalId) headers['x-test-principal'] = callOptions.principalId;
    if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${adapter.url}${path}`, {
      method,
      headers,
      ...(callOptions.body === undefined ? {} : { body: JSON.stringify(callOptions.body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  return {
    url: adapter.url,
    documents,
    tableName: options.tableName,
    publisher,
    call,
    async stop() {
      await adapter.stop();
      await table.stop();
    },
  };
}

/**
 * Runs before a SwitchFlow task state's handler: a test holds a flow at that state (resolve later) to race something
 * against it. `input` is the task's payload (the flow state for Lambda steps, the Parameters for the publish).
 */
export type SwitchFlowGate = (stateName: string, input: any) => Promise<void>;

/**
 * The SwitchFlow as the local platform runs it, on the harness's table: the local control plane (lock, audit, switch
 * history) listening for acks on `mqtt`, and the synthesized ASL run by aws-local-stepfunctions.
 */
export async function startLocalSwitchFlow(
  h: OperatorApiHarness,
  mqtt: MqttClient,
  clock: Clock,
  gate: SwitchFlowGate = async () => undefined,
  /** The key commands are signed with. @default a fresh one */
  signer?: CommandSigner,
) {
  const registry = new TaskTokenRegistry();
  const controlPlane = createLocalControlPlane({
    client: h.documents,
    tableName: h.tableName,
    mqtt,
    registry,
    clock,
    lockTtlMs: 60_000,
    ...(signer ? { signer } : {}),
  });
  await controlPlane.listenForAcks();
  const gated = <F extends (input: any, ...rest: any[]) => unknown>(entries: Readonly<Record<string, F>>) =>
    Object.fromEntries(
      Object.entries(entries).map(([name, handler]) => [
        name,
        async (input: unknown, ...rest: unknown[]) => {
          await gate(name, input);
          return handler(input, ...rest);
        },
      ]),
    ) as unknown as Record<string, F>;
  const runner = createStateMachineRunner({
    template: synthesizeControlFlows(PATIENT_ACK_WAIT),
    logicalIdPrefix: 'SwitchFlow',
    registry,
    taskHandlers: gated(controlPlane.switchFlow.taskHandlers),
    tokenTasks: gated(controlPlane.switchFlow.tokenTasks),
  });
  const run = (input: unknown, executionName: string): Promise<ExecutionResult> =>
    runner.start(input, { executionName });
  return { controlPlane, run };
}

/** The reference fleet's sites in the registry, as `npm start` registers them (there through the API). */
export async function seedRegistry(
  client: DynamoDBDocumentClient,
  tableName: string,
  publisher = new MemorySiteConfigPublisher(),
): Promise<void> {
  const deps = {
    store: new DynamoSiteRegistryStore({ client, tableName }),
    publisher,
    blockers: { blocking: async () => [] },
    clock: systemClock,
  };
  for (const config of referenceSiteConfigs) await createSite(deps, config, 'seed');
}
