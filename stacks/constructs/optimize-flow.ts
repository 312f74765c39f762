import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SWITCH_STEP_BACKOFF } from '../../core/switching/backoff.js';
import { OPTIMIZE_ERRORS } from '../../functions/optimizer/steps.js';
import { OPTIMIZE_STATES } from '../../functions/shared/flow-states.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import { addJitteredRetry } from './flow-retry.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';
import { acknowledgeInvokeQualifiers, bindTableItems, grantIndexQuery, grantTableItems } from './table-access.js';

/** What `states:startExecution` answers when an execution of that name exists and is closed, or has other input. */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';
/** The Map iteration's state for a start that found its SwitchFlow already started. */
export const SWITCH_ALREADY_STARTED = 'SwitchAlreadyStarted';

export interface OptimizeFlowProps {
  readonly table: ITable;
  /** Multi-region: the site leases; a run dispatches only the sites this region holds. @default single region */
  readonly leaseTable?: ITable;
  readonly switchFlow: sfn.IStateMachine;
  /** @default Duration.minutes(5) */
  readonly interval?: Duration;
  /** Sites switched in parallel. @default 10 */
  readonly maxConcurrentSwitches?: number;
  /**
   * Batches solved in parallel (Map MaxConcurrency). @default 40 (an inline Map runs at most 40 iterations at once)
   */
  readonly maxConcurrentSolves?: number;
  /**
   * Sites one solve invocation takes. An inline Map's run writes ~7 history events per iteration per round (limit
   * 25,000 per execution): 500 sites, 1 per invocation, 5 rounds is ~17,500 plus the switches. @default 1
   */
  readonly sitesPerInvocation?: number;
  /** Cap on the fleet's total draw, kW (a shared supply contract); none: sites are independent. @default none */
  readonly fleetCapKw?: number;
  /** λ rounds before the share round (core/optimizer/coordination.ts). @default 3 */
  readonly maxPriceRounds?: number;
}

/** Memory of the dispatch Lambdas, MB (memory buys CPU for the solve); the bench's GB-s estimate reads them. */
export const OPTIMIZE_MEMORY_MB = { prepare: 512, solveSites: 2048, coordinate: 1024, persist: 512 } as const;

/**
 * OptimizeFlow, started by EventBridge Scheduler: prepare the run → solve the sites in a Map (one invocation per batch),
 * coordinate the fleet cap, and repeat the Map until the coordination is done (functions/optimizer/scale-out.ts) →
 * save the plan draft as the next version → start one SwitchFlow per site whose setpoints change. The starts are fire-and-forget (`states:startExecution`, not `.sync`):
 * a dispatch run ends in seconds and never overlaps the next one, however long a site takes to ack, and each switch is
 * watched by its own metrics and alarms. The execution name `<siteId>-v<version>` makes a retried start idempotent.
 */
export class OptimizeFlow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: HcpFunction[] = [];
  readonly deadLetterQueue: sqs.IQueue;
  /** The persist step: saves the plan and clears the bids of its first interval (functions/bids/plan-clearing.ts). */
  readonly persistFn: HcpFunction;

  constructor(scope: Construct, id: string, props: OptimizeFlowProps) {
    super(scope, id);
    const fn = (name: string, entry: string, memorySizeMb: number, timeout: Duration, nodeModules?: string[]) => {
      const created = new HcpFunction(this, name, {
        entry: `functions/optimizer/${entry}.ts`,
        serviceName: 'hcp-optimizer',
        memorySizeMb,
        timeout,
        ...(nodeModules ? { nodeModules } : {}),
      });
      bindTableItems(created, props.table);
      this.functions.push(created);
      return created;
    };
    // A batch's LP takes seconds with HiGHS (see TOOLCHAIN.md); memory buys CPU.
    // HiGHS is WebAssembly: installed beside the bundle so it finds its highs.wasm.
    const prepareFn = fn('PrepareFn', 'prepare', OPTIMIZE_MEMORY_MB.prepare, Duration.seconds(30));
    const persistFn = fn('PersistFn', 'persist', OPTIMIZE_MEMORY_MB.persist, Duration.seconds(30));
    this.persistFn = persistFn;
    if (props.leaseTable) {
      // Prepare reads the held sites' epochs; persist checks them again before it saves the plan.
      for (const leaseReader of [prepareFn, persistFn]) {
        grantTableItems(leaseReader.fn, props.leaseTable, ['dynamodb:GetItem']);
        leaseReader.fn.addEnvironment('LEASE_TABLE_NAME', props.leaseTable.tableName);
      }
    }
    const solveSitesFn = fn('SolveSitesFn', 'solve-sites', OPTIMIZE_MEMORY_MB.solveSites, Duration.minutes(2), [
      'highs',
    ]);
    // Each batch's solve reads the open workloads (the router's job index) as the plan's GPU demand.
    grantIndexQuery(solveSitesFn, props.table);
    const coordinateFn = fn('CoordinateFn', 'coordinate', OPTIMIZE_MEMORY_MB.coordinate, Duration.seconds(60));

    const invoke = (state: string, lambda: HcpFunction, payload: Record<string, unknown>, resultPath: string) =>
      new tasks.LambdaInvoke(this, state, {
        stateName: state,
        lambdaFunction: lambda.fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
      });
    const prepare = invoke(
      OPTIMIZE_STATES.prepare,
      prepareFn,
      {
        draftId: sfn.JsonPath.executionName,
        sitesPerInvocation: props.sitesPerInvocation ?? 1,
        maxPriceRounds: props.maxPriceRounds ?? 3,
        fleetCapKw: props.fleetCapKw ?? null,
      },
      '$.dispatch',
    );
    addJitteredRetry(prepare, SWITCH_STEP_BACKOFF, {
      noRetry: props.leaseTable
        ? [OPTIMIZE_ERRORS.noMarketData, OPTIMIZE_ERRORS.notLeaseHolder]
        : [OPTIMIZE_ERRORS.noMarketData],
    });
    if (props.leaseTable) {
      // A standby that holds no site's lease ends its run here, planning and switching nothing (docs/REGIONS.md).
      prepare.addCatch(
        new sfn.Succeed(this, OPTIMIZE_ERRORS.notLeaseHolder, { stateName: OPTIMIZE_ERRORS.notLeaseHolder }),
        { errors: [OPTIMIZE_ERRORS.notLeaseHolder], resultPath: '$.error' },
      );
    }
    const firstRound = new sfn.Pass(this, OPTIMIZE_STATES.firstRound, {
      stateName: OPTIMIZE_STATES.firstRound,
      result: sfn.Result.fromObject({ iteration: 0, done: false }),
      resultPath: '$.round',
    });
    const solveBatch = invoke(
      OPTIMIZE_STATES.solveBatch,
      solveSitesFn,
      {
        draftId: sfn.JsonPath.stringAt('$.draftId'),
        iteration: sfn.JsonPath.numberAt('$.iteration'),
        siteIds: sfn.JsonPath.listAt('$.siteIds'),
      },
      sfn.JsonPath.DISCARD,
    );
    addJitteredRetry(solveBatch, SWITCH_STEP_BACKOFF);
    // One round: every batch solved under the round's terms; results stay in the workspace, not in the payload.
    const solveSites = new sfn.Map(this, OPTIMIZE_STATES.solveSites, {
      stateName: OPTIMIZE_STATES.solveSites,
      itemsPath: '$.dispatch.batches',
      itemSelector: {
        draftId: sfn.JsonPath.stringAt('$.dispatch.draftId'),
        iteration: sfn.JsonPath.numberAt('$.round.iteration'),
        siteIds: sfn.JsonPath.listAt('$$.Map.Item.Value.siteIds'),
      },
      maxConcurrency: props.maxConcurrentSolves ?? 40,
      resultPath: sfn.JsonPath.DISCARD,
    });
    solveSites.itemProcessor(solveBatch);
    const coordinate = invoke(
      OPTIMIZE_STATES.coordinate,
      coordinateFn,
      {
        draftId: sfn.JsonPath.stringAt('$.dispatch.draftId'),
        iteration: sfn.JsonPath.numberAt('$.round.iteration'),
      },
      '$.round',
    );
    addJitteredRetry(coordinate, SWITCH_STEP_BACKOFF);

    const persist = new tasks.LambdaInvoke(this, OPTIMIZE_STATES.persist, {
      stateName: OPTIMIZE_STATES.persist,
      lambdaFunction: persistFn.fn,
      payload: sfn.TaskInput.fromObject({ draftId: sfn.JsonPath.stringAt('$.dispatch.draftId') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.persist',
    });
    addJitteredRetry(persist, SWITCH_STEP_BACKOFF, {
      noRetry: [OPTIMIZE_ERRORS.versionConflict, OPTIMIZE_ERRORS.draftMissing, OPTIMIZE_ERRORS.planFenced],
    });
    if (props.leaseTable) {
      // A region that lost a site's lease while it planned saves nothing and switches nothing (docs/REGIONS.md).
      persist.addCatch(new sfn.Succeed(this, OPTIMIZE_ERRORS.planFenced, { stateName: OPTIMIZE_ERRORS.planFenced }), {
        errors: [OPTIMIZE_ERRORS.planFenced],
        resultPath: '$.error',
      });
    }
    persist.addCatch(
      new sfn.Fail(this, OPTIMIZE_STATES.conflict, {
        stateName: OPTIMIZE_STATES.conflict,
        error: OPTIMIZE_ERRORS.versionConflict,
        cause: 'another dispatch run saved this plan version first; this run switched nothing',
      }),
      { errors: [OPTIMIZE_ERRORS.versionConflict], resultPath: '$.error' },
    );

    const startSwitch = new tasks.StepFunctionsStartExecution(this, OPTIMIZE_STATES.startSwitch, {
      stateName: OPTIMIZE_STATES.startSwitch,
      stateMachine: props.switchFlow,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      name: sfn.JsonPath.format('{}-v{}', sfn.JsonPath.stringAt('$.siteId'), sfn.JsonPath.stringAt('$.planVersion')),
      input: sfn.TaskInput.fromObject({
        siteId: sfn.JsonPath.stringAt('$.siteId'),
        planVersion: sfn.JsonPath.numberAt('$.planVersion'),
        requestedBy: 'optimizer',
      }),
      resultSelector: { executionArn: sfn.JsonPath.stringAt('$.ExecutionArn') },
    });
    addJitteredRetry(startSwitch, SWITCH_STEP_BACKOFF, { noRetry: [EXECUTION_ALREADY_EXISTS] });
    // A retried start whose first call went through, but whose answer was lost, finds `<siteId>-v<version>` already
    // started (and, if it already ended, refused as existing): the switch was started, so the iteration succeeds.
    startSwitch.addCatch(
      new sfn.Pass(this, SWITCH_ALREADY_STARTED, {
        stateName: SWITCH_ALREADY_STARTED,
        parameters: { 'siteId.$': '$.siteId', alreadyStarted: true },
      }),
      { errors: [EXECUTION_ALREADY_EXISTS], resultPath: '$.error' },
    );
    const switchSites = new sfn.Map(this, OPTIMIZE_STATES.switchSites, {
      stateName: OPTIMIZE_STATES.switchSites,
      itemsPath: '$.persist.switches',
      itemSelector: {
        siteId: sfn.JsonPath.stringAt('$$.Map.Item.Value.siteId'),
        planVersion: sfn.JsonPath.numberAt('$.persist.planVersion'),
      },
      maxConcurrency: props.maxConcurrentSwitches ?? 10,
      resultPath: '$.started',
    });
    switchSites.itemProcessor(startSwitch);

    const switchChanged = persist.next(
      new sfn.Choice(this, 'AnySiteChanged')
        .when(
          sfn.Condition.numberGreaterThan('$.persist.switchCount', 0),
          switchSites.next(
            new sfn.Succeed(this, OPTIMIZE_STATES.dispatched, { stateName: OPTIMIZE_STATES.dispatched }),
          ),
        )
        .otherwise(new sfn.Succeed(this, OPTIMIZE_STATES.noChange, { stateName: OPTIMIZE_STATES.noChange })),
    );
    // The coordination loop: solve every site, check the fleet cap, again with new terms until the round is the last.
    const definition = prepare
      .next(firstRound)
      .next(solveSites)
      .next(coordinate)
      .next(
        new sfn.Choice(this, OPTIMIZE_STATES.roundDone, { stateName: OPTIMIZE_STATES.roundDone })
          .when(sfn.Condition.booleanEquals('$.round.done', true), switchChanged)
          .otherwise(solveSites),
      );

    const logGroup = encryptedLogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    const interval = props.interval ?? Duration.minutes(5);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      // Shorter than the interval, so two dispatch runs never overlap.
      timeout: interval.minus(Duration.seconds(30)),
    });
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing and CloudWatch Logs delivery actions of Step Functions have no resource-level permissions.',
    );
    acknowledgeInvokeQualifiers(
      this.stateMachine.role,
      this.functions.map((f) => f.fn),
    );

    this.deadLetterQueue = new DeadLetterQueue(this, 'ScheduleDlq').queue;
    new scheduler.Schedule(this, 'Schedule', {
      description: 'HCP dispatch: solve and switch every interval',
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: interval,
      }),
    });
  }
}
