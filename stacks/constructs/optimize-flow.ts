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
import { addJitteredRetry } from './flow-retry.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';
import { acknowledgeInvokeQualifiers, bindTableItems, grantIndexQuery } from './table-access.js';

/** What `states:startExecution` answers when an execution of that name exists and is closed, or has other input. */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';
/** The Map iteration's state for a start that found its SwitchFlow already started. */
export const SWITCH_ALREADY_STARTED = 'SwitchAlreadyStarted';

export interface OptimizeFlowProps {
  readonly table: ITable;
  readonly switchFlow: sfn.IStateMachine;
  /** @default Duration.minutes(5) */
  readonly interval?: Duration;
  /** Sites switched in parallel. @default 10 */
  readonly maxConcurrentSwitches?: number;
}

/**
 * OptimizeFlow, started by EventBridge Scheduler: solve a plan into a draft → save it as the next version → start one
 * SwitchFlow per site whose setpoints change. The starts are fire-and-forget (`states:startExecution`, not `.sync`):
 * a dispatch run ends in seconds and never overlaps the next one, however long a site takes to ack, and each switch is
 * watched by its own metrics and alarms. The execution name `<siteId>-v<version>` makes a retried start idempotent.
 */
export class OptimizeFlow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: HcpFunction[] = [];
  readonly deadLetterQueue: sqs.IQueue;

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
    // The LP of a day-ahead horizon takes seconds with HiGHS (see TOOLCHAIN.md); memory buys CPU.
    // HiGHS is WebAssembly: installed beside the bundle so it finds its highs.wasm.
    const solveFn = fn('SolveFn', 'solve', 2048, Duration.minutes(2), ['highs']);
    // The solve reads the open workloads (the router's job index) as the plan's GPU demand.
    grantIndexQuery(solveFn, props.table);
    const persistFn = fn('PersistFn', 'persist', 512, Duration.seconds(30));

    const solve = new tasks.LambdaInvoke(this, OPTIMIZE_STATES.solve, {
      stateName: OPTIMIZE_STATES.solve,
      lambdaFunction: solveFn.fn,
      payload: sfn.TaskInput.fromObject({ draftId: sfn.JsonPath.executionName }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.solve',
    });
    addJitteredRetry(solve, SWITCH_STEP_BACKOFF, { noRetry: [OPTIMIZE_ERRORS.noMarketData] });
    const persist = new tasks.LambdaInvoke(this, OPTIMIZE_STATES.persist, {
      stateName: OPTIMIZE_STATES.persist,
      lambdaFunction: persistFn.fn,
      payload: sfn.TaskInput.fromObject({ draftId: sfn.JsonPath.stringAt('$.solve.draftId') }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.persist',
    });
    addJitteredRetry(persist, SWITCH_STEP_BACKOFF, {
      noRetry: [OPTIMIZE_ERRORS.versionConflict, OPTIMIZE_ERRORS.draftMissing],
    });
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

    const definition = solve
      .next(persist)
      .next(
        new sfn.Choice(this, 'AnySiteChanged')
          .when(
            sfn.Condition.numberGreaterThan('$.persist.switchCount', 0),
            switchSites.next(
              new sfn.Succeed(this, OPTIMIZE_STATES.dispatched, { stateName: OPTIMIZE_STATES.dispatched }),
            ),
          )
          .otherwise(new sfn.Succeed(this, OPTIMIZE_STATES.noChange, { stateName: OPTIMIZE_STATES.noChange })),
      );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
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
