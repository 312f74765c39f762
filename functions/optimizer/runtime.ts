import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS } from '../../core/demand/scenarios.js';
import { loadHighs } from '../../core/optimizer/solve.js';
import { systemClock } from '../../core/support/clock.js';
import { fillVenues } from '../bids/fill-work.js';
import { StoreBidBook } from '../bids/plan-clearing.js';
import { partnerOverflowRuntime } from '../partners/runtime.js';
import { readWorkloadEventsQueueUrl, SqsWorkloadEvents } from '../routing/adapters/sqs-workload-events.js';
import { configGetter } from '../shared/config.js';
import { DynamoBidStore } from '../shared/data/bid-store.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoForecastFitStore } from '../shared/data/forecast-fit-store.js';
import { DynamoGpuNodeStore } from '../shared/data/gpu-node-store.js';
import { DynamoGpuPriceSheetStore } from '../shared/data/gpu-price-sheet-store.js';
import { DynamoGridEventStore } from '../shared/data/grid-event-store.js';
import { DynamoJobStore } from '../shared/data/job-store.js';
import { DynamoMarketHistoryStore } from '../shared/data/market-history-store.js';
import { DynamoMarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import { DynamoPlanStore } from '../shared/data/plan-store.js';
import { DynamoSiteLeaseStore } from '../shared/data/site-lease-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { DynamoSwitchStateStore } from '../shared/data/switch-state-store.js';
import { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { metrics, traced } from '../shared/powertools.js';
import { DynamoDispatchWorkspace } from './adapters/dynamo-dispatch-workspace.js';
import { DynamoPlanDraftStore } from './adapters/dynamo-plan-drafts.js';
import { DynamoWorkDemand } from './adapters/dynamo-work-demand.js';
import { HighsFleetSolver } from './adapters/highs-fleet-solver.js';
import { InventoryFleetSource } from './adapters/inventory-fleet-source.js';
import { PowertoolsPlanMetrics } from './adapters/powertools-plan-metrics.js';
import { RegistryFleetSource } from './adapters/registry-fleet-source.js';
import { ScenarioArrivalForecast } from './adapters/scenario-arrivals.js';
import { createScaleOutSteps, type ScaleOutSteps } from './scale-out.js';
import { createOptimizeSteps, type OptimizeStepDeps, type OptimizeSteps } from './steps.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    /** Multi-region: the site lease table; a run dispatches only the sites this region holds. @default none */
    LEASE_TABLE_NAME: z.string().min(1).optional(),
    AWS_REGION: z.string().min(1).default('local'),
  }),
);

let deps: OptimizeStepDeps | undefined;
let steps: OptimizeSteps | undefined;
let scaleOut: ScaleOutSteps | undefined;

/** The AWS wiring of the dispatch Lambdas, built once per container on first use. */
export function optimizeSteps(): OptimizeSteps {
  steps ??= createOptimizeSteps(optimizeDeps());
  return steps;
}

/** The scaled-out solve's steps (prepare, a batch, coordinate) on the same wiring. */
export function scaleOutSteps(): ScaleOutSteps {
  if (scaleOut) return scaleOut;
  const { TABLE_NAME } = config();
  scaleOut = createScaleOutSteps({
    ...optimizeDeps(),
    steps: optimizeSteps(),
    workspace: new DynamoDispatchWorkspace({
      client: documentClient(),
      tableName: TABLE_NAME,
      nowMs: systemClock.nowMs,
    }),
  });
  return scaleOut;
}

function optimizeDeps(): OptimizeStepDeps {
  if (deps) return deps;
  const { TABLE_NAME, LEASE_TABLE_NAME, AWS_REGION } = config();
  const client = documentClient();
  const store = { client, tableName: TABLE_NAME };
  // Multi-region: prepare plans the held sites under their epochs; persist saves only while they still hold.
  const leases = LEASE_TABLE_NAME
    ? {
        leases: new DynamoSiteLeaseStore({
          client,
          tableName: LEASE_TABLE_NAME,
          region: AWS_REGION,
          clock: systemClock,
        }),
      }
    : {};
  const registered = new RegistryFleetSource(new DynamoSiteRegistryStore(store));
  deps = {
    // The fleet as registered; cordoned and unhealthy GPU nodes (the sites' latest reports) are not planned to serve.
    fleet: new InventoryFleetSource(registered, new DynamoGpuNodeStore({ client, tableName: TABLE_NAME }), systemClock),
    market: new DynamoMarketSnapshotStore({ client, tableName: TABLE_NAME }),
    gpuPrices: new DynamoGpuPriceSheetStore({ client, tableName: TABLE_NAME }),
    plans: new DynamoPlanStore({ client, tableName: TABLE_NAME }),
    switchStates: new DynamoSwitchStateStore({ client, tableName: TABLE_NAME }),
    drafts: new DynamoPlanDraftStore({ client, tableName: TABLE_NAME, nowMs: systemClock.nowMs }),
    solver: new HighsFleetSolver({ highs: loadHighs, nowMs: () => performance.now() }),
    demand: new DynamoWorkDemand(
      new DynamoJobStore(store, new DynamoWorkloadStore(store)),
      async () => (await registered.load()).sites,
    ),
    history: new DynamoMarketHistoryStore(store),
    fits: new DynamoForecastFitStore(store),
    arrivals: new ScenarioArrivalForecast(DEMAND_SCENARIOS[DEFAULT_DEMAND_SCENARIO]!),
    clock: systemClock,
    metrics: new PowertoolsPlanMetrics(metrics),
    gridEvents: new DynamoGridEventStore(store),
    bids: new StoreBidBook(new DynamoBidStore(store), 15, bidVenues(store)),
    ...leases,
  };
  return deps;
}

const noEvents = { notify: async () => {} };

/**
 * Where the planner's clearing puts fills: each fill's work as workloads the router takes (site fills), and partner
 * fills when the deployment gives this function the partner runner (PARTNER_RUNNER_FUNCTION, as the router has it).
 */
function bidVenues(store: { client: ReturnType<typeof documentClient>; tableName: string }) {
  const workloads = new DynamoWorkloadStore(store);
  const partners = partnerOverflowRuntime();
  return fillVenues({
    workloads,
    jobs: new DynamoJobStore(store, workloads),
    ...(partners ? { partners } : {}),
    // A partner fill's hand-over tells the customer (workload.queued) through the events queue, as the router does;
    // without partners nothing is handed over and no event is sent.
    events: partners ? new SqsWorkloadEvents(traced(new SQSClient({})), readWorkloadEventsQueueUrl()) : noEvents,
    clock: systemClock,
  });
}
