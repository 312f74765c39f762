import { Readable } from 'node:stream';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SFNClient } from '@aws-sdk/client-sfn';
import { executionArnOf } from '../../functions/api/switch-flows.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';
import { PLACEHOLDER_AWS, type TaskTokenOutcome, type TaskTokenRegistry } from './stepfunctions/index.js';

/**
 * The deployed adapters' SDK clients (IoTDataPlaneClient, SFNClient) answered in-process by the local stand-ins, so
 * the real adapter code and the SDK's own retry loop run: what `injectLostAnswers` needs to lose an answer where AWS
 * would. The SDK serializes each call to HTTP as it would for AWS; a request handler reads that request and answers
 * with the service's wire format instead of opening a socket.
 */

/** The parts of the SDK's HTTP request and response the handlers read and write. */
interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

interface WireAnswer {
  readonly statusCode: number;
  readonly json?: unknown;
}

const bodyText = (body: unknown) =>
  body === undefined ? '' : typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);

function requestHandler(serve: (request: WireRequest) => Promise<WireAnswer>) {
  return {
    async handle(request: WireRequest) {
      const answer = await serve(request);
      const text = answer.json === undefined ? '' : JSON.stringify(answer.json);
      return {
        response: {
          statusCode: answer.statusCode,
          reason: undefined,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(text)]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

const localConfig = (serve: (request: WireRequest) => Promise<WireAnswer>) => ({
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  endpoint: 'http://127.0.0.1:1',
  requestHandler: requestHandler(serve),
});

/** Puts a message on the local broker (an mqtt.js client's `publishAsync`, a MessagingPort's `publish`). */
export type LocalPublish = (topic: string, payload: string, qos: 0 | 1) => Promise<unknown>;

/** IoT data's Publish (`POST /topics/{topic}?qos=`) onto the local broker: what IoT Core does with the message. */
export function localIotDataClient(publish: LocalPublish): IoTDataPlaneClient {
  return new IoTDataPlaneClient(
    localConfig(async (request) => {
      const topic = decodeURIComponent(request.path.replace(/^\/topics\//, ''));
      await publish(topic, bodyText(request.body), Number(request.query?.qos ?? 0) === 1 ? 1 : 0);
      return { statusCode: 200 };
    }),
  );
}

const { partition, region, accountId } = PLACEHOLDER_AWS;
export const LOCAL_SWITCH_FLOW_ARN = `arn:${partition}:states:${region}:${accountId}:stateMachine:SwitchFlow`;

/** Starts an execution locally; resolves when it ends (its outcome is the runner's business). */
export type LocalExecutionStart = (name: string, input: unknown) => Promise<unknown>;

/**
 * Step Functions' StartExecution and task callbacks. StartExecution keeps the API's rule for names: the same name and
 * input as a running execution answers that execution again (so the SDK's retry of a lost answer starts nothing
 * new); a closed one, or other input, is `ExecutionAlreadyExists`. SendTaskSuccess/Failure/Heartbeat go to the
 * runner's token registry, whose refusals come back under the API's error names.
 */
export function localStepFunctionsClient(options: {
  readonly registry: TaskTokenRegistry;
  /** Absent: StartExecution is refused (a client for the callbacks only). */
  readonly start?: LocalExecutionStart;
  /** @default the placeholder account's SwitchFlow */
  readonly stateMachineArn?: string;
}): { client: SFNClient; executions: ReadonlyMap<string, { input: string; running: boolean }> } {
  const executions = new Map<string, { input: string; running: boolean }>();
  const stateMachineArn = options.stateMachineArn ?? LOCAL_SWITCH_FLOW_ARN;
  const executionArn = (name: string) => executionArnOf(stateMachineArn, name);
  const refused = (outcome: TaskTokenOutcome): WireAnswer =>
    outcome.ok
      ? { statusCode: 200, json: {} }
      : { statusCode: 400, json: { __type: outcome.error, message: `${outcome.error} (local)` } };
  const operations: Record<string, (body: Record<string, string>) => WireAnswer> = {
    StartExecution: ({ name, input = '{}' }) => {
      if (!options.start) return { statusCode: 400, json: { __type: 'StateMachineDoesNotExist', message: 'none' } };
      const known = executions.get(name!);
      if (known && (!known.running || known.input !== input)) {
        return { statusCode: 400, json: { __type: 'ExecutionAlreadyExists', message: `execution ${name} exists` } };
      }
      if (!known) {
        const execution = { input, running: true };
        executions.set(name!, execution);
        const ended = () => {
          execution.running = false;
        };
        options.start(name!, JSON.parse(input)).then(ended, ended);
      }
      return { statusCode: 200, json: { executionArn: executionArn(name!), startDate: Date.now() / 1000 } };
    },
    SendTaskSuccess: ({ taskToken, output }) =>
      refused(options.registry.sendTaskSuccess(taskToken!, JSON.parse(output ?? 'null'))),
    SendTaskFailure: ({ taskToken, error, cause }) =>
      refused(options.registry.sendTaskFailure(taskToken!, { error, cause })),
    SendTaskHeartbeat: ({ taskToken }) => refused(options.registry.sendTaskHeartbeat(taskToken!)),
  };
  const client = new SFNClient(
    localConfig(async (request) => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const serve = operations[operation];
      if (!serve) return { statusCode: 400, json: { __type: 'UnknownOperationException', message: operation } };
      return serve(JSON.parse(bodyText(request.body)));
    }),
  );
  return { client, executions };
}
