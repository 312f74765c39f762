import { App } from 'aws-cdk-lib';
import { connectAsync } from 'mqtt';
import type { ClearingPriceOf } from '../../core/ancillary/awards.js';
import type { Plan } from '../../core/model/plan.js';
import type { Fleet } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import { armPlanAwards } from '../../functions/ancillary/receive-awards.js';
import type { SwitchFlowStarter } from '../../functions/api/switch-flows.js';
import type { BidVenues } from '../../functions/bids/clear-interval.js';
import type { MarketDataSource } from '../../functions/market/ports.js';
import { createDocumentClient } from '../../functions/shared/data/client.js';
import { logger } from '../../functions/shared/powertools.js';
import type { CommandSigner } from '../../functions/switching/ports.js';
import { ControlStack } from '../../stacks/control-stack.js';
import { DataStack } from '../../stacks/data-stack.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type ExecutionResult,
  TaskTokenRegistry,
} from '../local/stepfunctions/index.js';
import type { PlatformEventSink } from './events.js';
import { createLocalControlPlane } from './local-control-plane.js';

export interface ControlLoopOptions {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly brokerUrl: string;
  /** The control plane's client key, certificate and CA for an `mqtts://` broker. */
  readonly brokerTls?: { readonly key: string; readonly cert: string; readonly ca: string };
  readonly fleet: Fleet;
  /** Plan the registry's sites rather than `fleet` (npm start registers them through the API). @default false */
  readonly fleetFromRegistry?: boolean;
  /** The platform's simulated clock: plans, locks and command validity are stamped in its time. */
  readonly clock: Clock & { toRealMs(simDurationMs: number): number };
  /** What ingestion reads (the replayed market with its injected overrides). */
  readonly market: MarketDataSource;
  /** Real time between dispatch runs (ingest market → OptimizeFlow → SwitchFlows). */
  readonly dispatchEveryMs: number;
  readonly onEvent?: PlatformEventSink;
  /** Signs the commands; the gateways list its public key. */
  readonly signer?: CommandSigner;
  /** Where the planner's bid clearing fills (sites' work, partners): see LocalControlPlaneOptions. @default sites, billed only */
  readonly bidVenues?: BidVenues;
}

export interface RunningControlLoop {
  /** One dispatch run now; resolves when OptimizeFlow ends (its SwitchFlows run on, as in AWS). */
  dispatchOnce(): Promise<ExecutionResult>;
  /** One market ingestion now: stores the snapshot and relays each node's price to its gateways. */
  ingestMarket(): Promise<unknown>;
  /** Publishes on the local broker as the cloud (QoS 1). */
  publish(topic: string, payload: string): Promise<void>;
  /** Starts a SwitchFlow (an operator override) and returns at once, as StartExecution does. */
  readonly switchFlows: SwitchFlowStarter;
  readonly counts: { dispatches: number; switchesSucceeded: number; switchesFailed: number };
  stop(): Promise<void>;
}

/** The ASL of the deployed ControlStack, synthesized in-process without bundling (the handlers run in-process). */
export function synthesizeControlTemplate(): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { account: '000000000000', region: LOCAL_REGION };
  const data = new DataStack(app, 'HcpLocal-Data', { env });
  const control = new ControlStack(app, 'HcpLocal-Control', {
    env,
    table: data.table,
    commandSigningKey: data.commandSigning.key,
  });
  return app.synth().getStackByName(control.stackName).template as CfnTemplate;
}

/**
 * The local market's clearing price: the price the planner assumed for each offer of the plan (the local market
 * replays no ancillary prices; the backtest clears at the shipped file's prices).
 */
function assumedClearingPrice(plan: Plan): ClearingPriceOf {
  const assumed = new Map(
    plan.sites.flatMap((s) => (s.ancillaryOffers ?? []).map((o) => [`${o.product}@${o.intervalStartMs}`, o] as const)),
  );
  return (product, startMs) => assumed.get(`${product}@${startMs}`)?.assumedPriceUsdPerMwh;
}

/** The refit schedule of stacks/constructs/forecast-refit.ts: cron(15 0/6 * * ? *). */
const REFIT_EVERY_MS = 6 * 3_600_000;
const REFIT_OFFSET_MS = 15 * 60_000;

/**
 * The cloud control plane on this machine: the synthesized OptimizeFlow and SwitchFlow executed by
 * aws-local-stepfunctions with the real step handlers, the synthetic market as the ingestion source, commands to the
 * gateways and acks back over the local broker.
 */
export async function startControlLoop(options: ControlLoopOptions): Promise<RunningControlLoop> {
  const emit = options.onEvent ?? (() => {});
  const { clock } = options;
  const template = synthesizeControlTemplate();
  const mqtt = await connectAsync(options.brokerUrl, {
    clientId: 'hcp-cloud',
    reconnectPeriod: 500,
    ...options.brokerTls,
  });
  const client = createDocumentClient({
    endpoint: options.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const registry = new TaskTokenRegistry();
  const counts = { dispatches: 0, switchesSucceeded: 0, switchesFailed: 0 };
  /** A SwitchFlow's end, as the switch metrics report it. */
  const emitSwitch = (
    siteId: string,
    result: { outcome: 'executed'; latencyMs: number } | { outcome: 'failed'; detail: string },
  ) => emit({ type: 'switch', atMs: clock.nowMs(), siteId, source: 'cloud', cause: 'plan', ...result });
  const controlPlane = createLocalControlPlane({
    client,
    tableName: options.tableName,
    mqtt,
    registry,
    clock,
    fleet: options.fleet,
    ...(options.fleetFromRegistry ? { fleetFromRegistry: true } : {}),
    ...(options.signer ? { signer: options.signer } : {}),
    ...(options.bidVenues ? { bidVenues: options.bidVenues } : {}),
    switchMetrics: {
      switchSucceeded: (siteId, latencyMs) => {
        counts.switchesSucceeded += 1;
        emitSwitch(siteId, { outcome: 'executed', latencyMs: Math.round(clock.toRealMs(latencyMs)) });
      },
      switchFailed: (siteId, error) => {
        counts.switchesFailed += 1;
        emitSwitch(siteId, { outcome: 'failed', detail: error });
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
  const startSwitch = (input: unknown, name: string) => {
    const execution = switchRunner.start(input, { executionName: name });
    running.add(execution);
    void execution.finally(() => running.delete(execution));
  };
  const optimize = controlPlane.optimizeFlow(startSwitch);
  const optimizeRunner = createStateMachineRunner({ template, logicalIdPrefix: 'OptimizeFlow', ...optimize });
  const ingestMarket = () => controlPlane.ingestMarket(options.market);
  // One dispatch at a time, whoever asks (the timer, the first dispatch at start, a test): as EventBridge's schedule
  // and the flow's plan-version guard allow one plan per interval, a second run would only fail PlanVersionConflict.
  let inFlight: Promise<ExecutionResult> | undefined;
  const dispatchOnce = (): Promise<ExecutionResult> => {
    inFlight ??= runDispatch().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const runDispatch = async () => {
    const atMs = clock.nowMs();
    const startedMs = performance.now();
    await ingestMarket();
    refitWhenDue(atMs);
    const result = await optimizeRunner.start({});
    counts.dispatches += 1;
    const plan = result.status === 'SUCCEEDED' ? await controlPlane.plans.loadCurrent() : undefined;
    const forecast = plan?.forecast;
    if (plan) {
      // The local QSE's awards through the handler the awards queue's Lambda runs in AWS.
      const awards = {
        sites: async () => (await controlPlane.fleet.load()).sites,
        switchFlows: localSwitchFlows,
        clearingPrice: assumedClearingPrice(plan),
        nowMs: clock.nowMs(),
      };
      await armPlanAwards(awards, plan);
    }
    emit({
      type: 'dispatch',
      atMs,
      status: result.status,
      ...(result.error ? { error: failureText(result.error, result.cause) } : {}),
      durationMs: Math.round(performance.now() - startedMs),
      ...(forecast ? { forecast } : {}),
    });
    return result;
  };
  /** The scheduled refit (every 6 simulated hours, 15 minutes past), in the background: a dispatch never waits on it. */
  let refitPeriod: number | undefined;
  const refitWhenDue = (atMs: number) => {
    const period = Math.floor((atMs - REFIT_OFFSET_MS) / REFIT_EVERY_MS);
    if (period === refitPeriod) return;
    refitPeriod = period;
    controlPlane.optimizeSteps
      .refit()
      .catch((error: Error) => logger.warn('forecast refit failed', { error: error.message }));
  };
  const timer = setInterval(() => {
    if (inFlight) return;
    dispatchOnce().catch((error: Error) =>
      emit({ type: 'dispatch', atMs: clock.nowMs(), status: 'FAILED', error: error.message, durationMs: 0 }),
    );
  }, options.dispatchEveryMs);

  /** Names started, as Step Functions keeps them: a name started again answers its execution and starts nothing. */
  const startedNames = new Set<string>();
  const localSwitchFlows: SwitchFlowStarter = {
    start: async (input, name) => {
      if (!startedNames.has(name)) {
        startedNames.add(name);
        startSwitch(input, name);
      }
      return { executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` };
    },
  };

  return {
    dispatchOnce,
    ingestMarket,
    publish: async (topic, payload) => {
      await mqtt.publishAsync(topic, payload, { qos: 1 });
    },
    // The API dates an override's expiry on the platform's clock, as the flow reads it.
    switchFlows: localSwitchFlows,
    counts,
    async stop() {
      clearInterval(timer);
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 2000))]);
      await mqtt.endAsync(true);
    },
  };
}

/** A failed execution's error name and, when its cause carries one, the handler's message (a Lambda error's JSON cause). */
export function failureText(error: string, cause: string | undefined): string {
  if (!cause) return error;
  try {
    const parsed: unknown = JSON.parse(cause);
    const message = (parsed as { errorMessage?: unknown }).errorMessage;
    return typeof message === 'string' ? `${error}: ${message}` : `${error}: ${cause}`;
  } catch {
    return `${error}: ${cause}`;
  }
}
