import type { Context } from 'aws-lambda';
import type { Plan } from '../../../core/model/plan.js';
import { DynamoDispatchWorkspace } from '../../../functions/optimizer/adapters/dynamo-dispatch-workspace.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { OPTIMIZE_STATES } from '../../../functions/shared/flow-states.js';
import { type CfnTemplate, createStateMachineRunner } from '../../../sim/local/stepfunctions/index.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, startFlowHarness, TABLE_NAME } from './harness.js';

/**
 * The OptimizeFlow's Map over sites with a fleet cap, as synthesized, on the local runner and DynamoDB Local: the three
 * reference sites are solved one per Map iteration; uncoupled they draw more than the cap together, so the coordinate
 * step sends the Map round again (priced, then shared), and the saved plan keeps the fleet under the cap.
 */

/** Below what the reference fleet draws at a cheap price (56 MW of interconnects, mining profitable). */
const FLEET_CAP_KW = 25_000;

let template: CfnTemplate;
let harness: FlowHarness;
let workspace: DynamoDispatchWorkspace;

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT, { fleetCapKw: FLEET_CAP_KW, maxPriceRounds: 1 });
  harness = await startFlowHarness();
  workspace = new DynamoDispatchWorkspace({ client: harness.client, tableName: TABLE_NAME, nowMs: Date.now });
  await new DynamoMarketSnapshotStore({ client: harness.client, tableName: TABLE_NAME }).put(cheapPower(Date.now()));
});

afterAll(async () => {
  await harness?.stop();
});

const cheapPower = (atMs: number) => marketSnapshotAt(atMs, { HB_WEST: 15, HB_SOUTH: 15, HB_NORTH: 15 });

const fleetKw = (plan: Plan) =>
  plan.sites[0]!.intervals.map((_, t) => plan.sites.reduce((a, site) => a + site.intervals[t]!.sitePowerKw, 0));

describe('OptimizeFlow Map with a fleet cap', () => {
  it('solves each site in the Map, iterates while the fleet is over its cap, and saves a plan within it', async () => {
    // Prepare
    const batches: string[][] = [];
    const optimize = harness.controlPlane.optimizeFlow(() => undefined);
    const solveBatch = optimize.taskHandlers[OPTIMIZE_STATES.solveBatch]!;
    const runner = createStateMachineRunner({
      template,
      logicalIdPrefix: 'OptimizeFlow',
      taskHandlers: {
        ...optimize.taskHandlers,
        [OPTIMIZE_STATES.solveBatch]: async (event: { siteIds: string[] }, context: Context) => {
          batches.push(event.siteIds);
          return solveBatch(event, context);
        },
      },
    });

    // Act
    const result = await runner.start({}, { executionName: 'fleet-cap-1' });

    // Assess: the uncoupled round is over the cap, so there was more than one round, each site once per round.
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { round: { done: true }, persist: { planVersion: 1 } },
    });
    const rounds = (result.output as { round: { iteration: number } }).round.iteration + 1;
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(batches).toHaveLength(3 * rounds);
    expect(new Set(batches.map((b) => b.join()))).toEqual(new Set(['site-west-1', 'site-south-1', 'site-north-1']));
    const uncoupled = await workspace.listBatches('fleet-cap-1', 0);
    const uncoupledKw = fleetKw({ ...uncoupled[0]!, sites: uncoupled.flatMap((b) => b.sites) });
    expect(Math.max(...uncoupledKw)).toBeGreaterThan(FLEET_CAP_KW);
    const plan = (await harness.plans.loadCurrent())!;
    expect(plan.sites.map((s) => s.siteId)).toEqual(['site-west-1', 'site-south-1', 'site-north-1']);
    for (const totalKw of fleetKw(plan)) expect(totalKw).toBeLessThanOrEqual(FLEET_CAP_KW + 1e-3);
  });
});
