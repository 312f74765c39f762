import { App } from 'aws-cdk-lib';
import { connectAsync } from 'mqtt';
import type { Fleet } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import { WeeklySyntheticMarketSource } from '../../functions/market/adapters/weekly-synthetic-source.js';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import { createLocalControlPlane } from '../../functions/switching/local-control-plane.js';
import { ControlStack } from '../../stacks/control-stack.js';
import { DataStack } from '../../stacks/data-stack.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type ExecutionResult,
  TaskTokenRegistry,
} from '../local/stepfunctions/index.js';
import { loadCalibration } from '../synthetic/calibration-file.js';

export interface ControlLoopOptions {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly brokerUrl: string;
  readonly fleet: Fleet;
  readonly seed: number;
  /** Real time between dispatch runs (ingest market → OptimizeFlow → SwitchFlows). */
  readonly dispatchEveryMs: number;
  readonly onEvent?: (line: string) => void;
}

export interface RunningControlLoop {
  /** One dispatch run now; resolves when OptimizeFlow ends (its SwitchFlows run on, as in AWS). */
  dispatchOnce(): Promise<ExecutionResult>;
  readonly counts: { dispatches: number; switchesSucceeded: number; switchesFailed: number };
  stop(): Promise<void>;
}

/** The ASL of the deployed ControlStack, synthesized in-process without bundling (the handlers run in-process). */
function synthesizeControlTemplate(): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '000000000000', region: LOCAL_REGION };
  const data = new DataStack(app, 'HcpLocal-Data', { env });
  const control = new ControlStack(app, 'HcpLocal-Control', { env, table: data.table });
  return app.synth().getStackByName(control.stackName).template as CfnTemplate;
}

/**
 * The cloud control plane on this machine: the synthesized OptimizeFlow and SwitchFlow executed by
 * aws-local-stepfunctions with the real step handlers, the synthetic market as the ingestion source, commands to the
 * gateways and acks back over the local broker.
 */
export async function startControlLoop(options: ControlLoopOptions): Promise<RunningControlLoop> {
  const say = options.onEvent ?? (() => {});
  const template = synthesizeControlTemplate();
  const mqtt = await connectAsync(options.brokerUrl, { clientId: 'hcp-cloud', reconnectPeriod: 500 });
  const client = createDocumentClient({
    endpoint: options.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const registry = new TaskTokenRegistry();
  const clock: Clock = { nowMs: () => Date.now() };
  const counts = { dispatches: 0, switchesSucceeded: 0, switchesFailed: 0 };
  const controlPlane = createLocalControlPlane({
    client,
    tableName: options.tableName,
    mqtt,
    registry,
    clock,
    fleet: options.fleet,
    switchMetrics: {
      switchSucceeded: (siteId) => {
        counts.switchesSucceeded += 1;
        say(`switch ${siteId}: executed`);
      },
      switchFailed: (siteId, error) => {
        counts.switchesFailed += 1;
        say(`switch ${siteId}: failed (${error})`);
      },
    },
  });
  await controlPlane.listenForAcks();

  const switchRunner = createStateMachineRunner({
    template,
    logicalIdPrefix: 'SwitchFlow',
    registry,
    ...controlPlane.switchFlow,
  });
  const running = new Set<Promise<unknown>>();
  const optimize = controlPlane.optimizeFlow((input, name) => {
    const execution = switchRunner.start(input, { executionName: name });
    running.add(execution);
    void execution.finally(() => running.delete(execution));
  });
  const optimizeRunner = createStateMachineRunner({ template, logicalIdPrefix: 'OptimizeFlow', ...optimize });
  const market = new WeeklySyntheticMarketSource({
    calibration: loadCalibration(),
    fleet: options.fleet,
    seed: options.seed,
  });

  const dispatchOnce = async () => {
    await controlPlane.ingestMarket(market);
    const result = await optimizeRunner.start({});
    counts.dispatches += 1;
    say(`dispatch ${counts.dispatches}: OptimizeFlow ${result.status}${result.error ? ` (${result.error})` : ''}`);
    return result;
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    dispatchOnce()
      .catch((error: Error) => say(`dispatch failed: ${error.message}`))
      .finally(() => {
        busy = false;
      });
  }, options.dispatchEveryMs);

  return {
    dispatchOnce,
    counts,
    async stop() {
      clearInterval(timer);
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 2000))]);
      await mqtt.endAsync(true);
    },
  };
}
