import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Fleet } from '../../../core/model/site.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { systemClock } from '../../../core/support/clock.js';
import { DynamoDispatchWorkspace } from '../../../functions/optimizer/adapters/dynamo-dispatch-workspace.js';
import { DynamoPlanDraftStore } from '../../../functions/optimizer/adapters/dynamo-plan-drafts.js';
import { HighsFleetSolver } from '../../../functions/optimizer/adapters/highs-fleet-solver.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import { createScaleOutSteps } from '../../../functions/optimizer/scale-out.js';
import { createOptimizeSteps, type OptimizeStepDeps } from '../../../functions/optimizer/steps.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';

/**
 * The dispatch use cases on DynamoDB Local for a bench fleet, with the deployed solver (runtime.ts builds the same
 * HighsFleetSolver): the main thread and each worker thread build their own from the same inputs.
 */
export function benchOptimizeSteps(options: { client: DynamoDBDocumentClient; tableName: string; fleet: Fleet }) {
  const { client, tableName } = options;
  const deps: OptimizeStepDeps = {
    fleet: new StaticFleetSource(options.fleet),
    market: new DynamoMarketSnapshotStore({ client, tableName }),
    plans: new DynamoPlanStore({ client, tableName }),
    switchStates: new DynamoSwitchStateStore({ client, tableName }),
    drafts: new DynamoPlanDraftStore({ client, tableName, nowMs: systemClock.nowMs }),
    solver: new HighsFleetSolver({ highs: loadHighs, nowMs: () => performance.now() }),
    clock: systemClock,
  };
  const optimize = createOptimizeSteps(deps);
  return {
    deps,
    optimize,
    scaleOut: createScaleOutSteps({
      ...deps,
      steps: optimize,
      workspace: new DynamoDispatchWorkspace({ client, tableName, nowMs: systemClock.nowMs }),
    }),
  };
}
