import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MqttClient } from 'mqtt';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS } from '../../core/demand/scenarios.js';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { allSitesTopicFilter } from '../../core/messages/topics.js';
import type { Fleet } from '../../core/model/site.js';
import { loadHighs } from '../../core/optimizer/solve.js';
import { type Clock, systemClock } from '../../core/support/clock.js';
import type { Rng } from '../../core/support/random.js';
import type { BidVenues } from '../../functions/bids/clear-interval.js';
import { StoreBidBook } from '../../functions/bids/plan-clearing.js';
import { MqttSignalPublisher } from '../../functions/market/adapters/mqtt-signal-publisher.js';
import { ingestMarketSnapshot } from '../../functions/market/ingest.js';
import type { MarketDataSource } from '../../functions/market/ports.js';
import { DynamoDispatchWorkspace } from '../../functions/optimizer/adapters/dynamo-dispatch-workspace.js';
import { DynamoPlanDraftStore } from '../../functions/optimizer/adapters/dynamo-plan-drafts.js';
import { DynamoWorkDemand } from '../../functions/optimizer/adapters/dynamo-work-demand.js';
import { HighsFleetSolver } from '../../functions/optimizer/adapters/highs-fleet-solver.js';
import { InventoryFleetSource } from '../../functions/optimizer/adapters/inventory-fleet-source.js';
import { RegistryFleetSource } from '../../functions/optimizer/adapters/registry-fleet-source.js';
import { ScenarioArrivalForecast } from '../../functions/optimizer/adapters/scenario-arrivals.js';
import { StaticFleetSource } from '../../functions/optimizer/adapters/static-fleet-source.js';
import type { PlanSolver } from '../../functions/optimizer/ports.js';
import { createScaleOutSteps, scaleOutStepHandlers } from '../../functions/optimizer/scale-out.js';
import { createOptimizeSteps, type OptimizeStepDeps, optimizeStepHandlers } from '../../functions/optimizer/steps.js';
import { DynamoBidStore } from '../../functions/shared/data/bid-store.js';
import { DynamoForecastFitStore } from '../../functions/shared/data/forecast-fit-store.js';
import { DynamoGpuNodeStore } from '../../functions/shared/data/gpu-node-store.js';
import { DynamoGridEventStore } from '../../functions/shared/data/grid-event-store.js';
import { DynamoJobStore } from '../../functions/shared/data/job-store.js';
import { DynamoMarketHistoryStore } from '../../functions/shared/data/market-history-store.js';
import { DynamoMarketSnapshotStore } from '../../functions/shared/data/market-snapshot-store.js';
import { DynamoOverrideStore } from '../../functions/shared/data/override-store.js';
import { DynamoPlanStore } from '../../functions/shared/data/plan-store.js';
import { DynamoSiteLockStore } from '../../functions/shared/data/site-lock.js';
import { DynamoSiteRegistryStore } from '../../functions/shared/data/site-registry-store.js';
import { DynamoSwitchLogStore } from '../../functions/shared/data/switch-log-store.js';
import { DynamoSwitchStateStore } from '../../functions/shared/data/switch-state-store.js';
import { DynamoWorkloadStore } from '../../functions/shared/data/workload-store.js';
import { OPTIMIZE_STATES, SWITCH_STATES } from '../../functions/shared/flow-states.js';
import { logger } from '../../functions/shared/powertools.js';
import { type AckDeps, type AckMetrics, handleAck, type TaskTokenClient } from '../../functions/switching/acks.js';
import { ChainedSwitchAudit } from '../../functions/switching/adapters/chained-switch-audit.js';
import { LocalCommandSigner } from '../../functions/switching/adapters/local-command-signer.js';
import { MqttCommandPublisher } from '../../functions/switching/adapters/mqtt-command-publisher.js';
import { allOf, SiteSwitchLog } from '../../functions/switching/adapters/site-switch-log.js';
import type {
  CommandPublisher,
  CommandSigner,
  SwitchAuditLog,
  SwitchMetrics,
} from '../../functions/switching/ports.js';
import { createSwitchSteps, switchStepHandlers } from '../../functions/switching/steps.js';
import type { LocalTaskHandler, TaskTokenRegistry, TokenTaskCallback } from '../local/stepfunctions/index.js';
import { LocalTaskTokenClient } from '../local/stepfunctions/task-token-client.js';

/**
 * The control plane wired for the local platform (`npm start`) and the flow tests: the same use cases as the Lambdas,
 * on DynamoDB Local and the local MQTT broker, with the runner's token registry standing in for Step Functions'
 * callback API. Bind `switchFlow` and `optimizeFlow(...)` to `createStateMachineRunner` for the SwitchFlow and
 * OptimizeFlow logical ids, and call `listenForAcks()` once: it is what the ack IoT rule and Lambda do in AWS.
 */
export interface LocalControlPlaneOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** A connected client of the local broker: publishes commands, receives acks. */
  readonly mqtt: MqttClient;
  readonly registry: TaskTokenRegistry;
  readonly clock: Clock;
  /** @default the reference fleet */
  readonly fleet?: Fleet;
  /**
   * Plan the fleet as registered (functions/fleet, the sites `npm start` registers through the API) instead of
   * `fleet`, read at each dispatch as the deployed optimizer does. @default false
   */
  readonly fleetFromRegistry?: boolean;
  /** @default the core optimizer on HiGHS (HighsFleetSolver) */
  readonly solver?: PlanSolver;
  /** @default 10 minutes, the SwitchFlow timeout */
  readonly lockTtlMs?: number;
  /** @default log lines (metrics are not emitted locally) */
  readonly switchMetrics?: SwitchMetrics;
  readonly ackMetrics?: AckMetrics;
  readonly audit?: SwitchAuditLog;
  /** Signs commands; the gateways list its public key. @default a key generated now (`LocalCommandSigner`) */
  readonly signer?: CommandSigner;
  /** Where the compensation's safe-mode command goes. @default the local broker (`MqttCommandPublisher`) */
  readonly publisher?: CommandPublisher;
  /** How acks settle their tokens. @default the runner's registry, in-process (`LocalTaskTokenClient`) */
  readonly taskTokens?: TaskTokenClient;
  /** @default Math.random (only jitters SendTask retries) */
  readonly rng?: Rng;
  /**
   * Where the clearing puts fills: the sites' work for the router, and partners (functions/bids/fill-work.ts
   * `fillVenues`); read at each clearing, so a platform may fill it in once its router and partner runner are up.
   * @default none: fills are billed only
   */
  readonly bidVenues?: BidVenues;
}

/** Starts a SwitchFlow execution and returns at once, as `states:startExecution` does. */
export type StartSwitchFlow = (input: unknown, executionName: string) => void;

export function createLocalControlPlane(options: LocalControlPlaneOptions) {
  const { client, tableName, mqtt, registry, clock } = options;
  const plans = new DynamoPlanStore({ client, tableName });
  const switchStates = new DynamoSwitchStateStore({ client, tableName });
  const switchSteps = createSwitchSteps({
    locks: new DynamoSiteLockStore({ client, tableName, clock }),
    switchStates,
    plans,
    overrides: new DynamoOverrideStore({ client, tableName }),
    publisher: options.publisher ?? new MqttCommandPublisher(mqtt),
    signer: options.signer ?? LocalCommandSigner.generate('local-control-plane').signer,
    metrics: options.switchMetrics ?? {
      switchSucceeded: (siteId, latencyMs) => logger.info('switch succeeded', { siteId, latencyMs }),
      switchFailed: (siteId, error) => logger.warn('switch failed', { siteId, error }),
    },
    audit:
      options.audit ??
      allOf(
        new ChainedSwitchAudit({ client, tableName, clock }),
        new SiteSwitchLog(new DynamoSwitchLogStore({ client, tableName }), clock),
      ),
    clock,
    newId: randomUUID,
    lockTtlMs: options.lockTtlMs ?? 600_000,
  });
  const marketStore = new DynamoMarketSnapshotStore({ client, tableName });
  const marketHistory = new DynamoMarketHistoryStore({ client, tableName });
  const configured = options.fleetFromRegistry
    ? new RegistryFleetSource(new DynamoSiteRegistryStore({ client, tableName }))
    : new StaticFleetSource(options.fleet ?? referenceFleet);
  const optimizeDeps: OptimizeStepDeps = {
    // Cordoned and unhealthy GPU nodes are not planned; report times are wall time, whatever the simulation's speed.
    fleet: new InventoryFleetSource(configured, new DynamoGpuNodeStore({ client, tableName }), systemClock),
    market: marketStore,
    plans,
    switchStates,
    drafts: new DynamoPlanDraftStore({ client, tableName, nowMs: () => clock.nowMs() }),
    solver: options.solver ?? new HighsFleetSolver({ highs: loadHighs, nowMs: () => performance.now() }),
    demand: new DynamoWorkDemand(
      new DynamoJobStore({ client, tableName }, new DynamoWorkloadStore({ client, tableName })),
      async () => (await configured.load()).sites,
      // The local API dates workloads by the wall clock, whatever the simulation's speed.
      systemClock.nowMs,
    ),
    history: marketHistory,
    fits: new DynamoForecastFitStore({ client, tableName }),
    // The same demand model as the Lambdas' (functions/optimizer/runtime.ts): open work plus forecast arrivals.
    arrivals: new ScenarioArrivalForecast(DEMAND_SCENARIOS[DEFAULT_DEMAND_SCENARIO]!),
    clock,
    // As the Lambda: a saved plan's 4CP curtailments become grid events (functions/grid-events/four-cp.ts).
    gridEvents: new DynamoGridEventStore({ client, tableName }),
    // As the Lambda: open bids planned beside mining, cleared when a plan is saved (issue 28).
    bids: new StoreBidBook(new DynamoBidStore({ client, tableName }), 15, options.bidVenues),
  };
  const optimizeSteps = createOptimizeSteps(optimizeDeps);
  const scaleOutSteps = createScaleOutSteps({
    ...optimizeDeps,
    steps: optimizeSteps,
    workspace: new DynamoDispatchWorkspace({ client, tableName, nowMs: () => clock.nowMs() }),
  });
  /** The local `aws-sdk:iotdata:publish` of the ack-wait state: its Payload onto its Topic. */
  const publishIotData: TokenTaskCallback = async (parameters: { Topic: string; Qos?: 0 | 1; Payload: unknown }) => {
    await mqtt.publishAsync(parameters.Topic, JSON.stringify(parameters.Payload), { qos: parameters.Qos ?? 1 });
  };
  const ackDeps: AckDeps = {
    tasks: options.taskTokens ?? new LocalTaskTokenClient(registry),
    metrics: options.ackMetrics ?? { ackHandled: (handling) => logger.debug('ack', { handling }) },
    rng: options.rng ?? { next: Math.random },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };

  return {
    plans,
    switchStates,
    marketStore,
    /** The fleet the optimizer plans: the registry's sites, or the static fleet. */
    fleet: configured,
    /** One ingestion run from `source` (e.g. a SyntheticMarketSource): what the scheduled market Lambda does. */
    ingestMarket: (source: MarketDataSource) =>
      ingestMarketSnapshot({
        source,
        store: marketStore,
        history: marketHistory,
        signals: new MqttSignalPublisher(mqtt),
        clock,
        metrics: {
          snapshotIngested: (snapshot, name) => logger.debug('market', { at: snapshot.at, source: name }),
          marketDataAge: (ageSeconds, name) => logger.debug('market age', { ageSeconds, source: name }),
        },
      }),
    switchSteps,
    optimizeSteps,
    scaleOutSteps,
    switchFlow: {
      taskHandlers: switchStepHandlers(switchSteps) as Record<string, LocalTaskHandler>,
      tokenTasks: { [SWITCH_STATES.publish]: publishIotData },
    },
    optimizeFlow: (startSwitch: StartSwitchFlow) => ({
      taskHandlers: {
        ...scaleOutStepHandlers(scaleOutSteps),
        ...optimizeStepHandlers(optimizeSteps),
        [OPTIMIZE_STATES.startSwitch]: async (parameters: { Name: string; Input: unknown }) => {
          startSwitch(parameters.Input, parameters.Name);
          return { ExecutionArn: `arn:aws:states:local:execution:SwitchFlow:${parameters.Name}` };
        },
      } as Record<string, LocalTaskHandler>,
    }),
    /** Subscribes to every site's acks and settles their tokens; what the IoT rule and ack Lambda do in AWS. */
    async listenForAcks(): Promise<void> {
      mqtt.on('message', (topic, payload) => {
        if (!/^hcp\/v1\/sites\/[^/]+\/acks$/.test(topic)) return;
        let message: unknown;
        try {
          message = JSON.parse(payload.toString());
        } catch {
          ackDeps.metrics.ackHandled('invalid');
          return;
        }
        handleAck(message, ackDeps).catch((error: unknown) =>
          logger.error('ack not delivered', { error: error as Error }),
        );
      });
      await mqtt.subscribeAsync(allSitesTopicFilter('acks'), { qos: 1 });
    },
  };
}

export type LocalControlPlane = ReturnType<typeof createLocalControlPlane>;
