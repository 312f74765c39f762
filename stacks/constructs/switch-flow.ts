import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { allSitesTopicResource, siteTopicPattern } from '../../core/messages/topics.js';
import { RESYNC_ERRORS } from '../../core/switching/ack.js';
import { SITE_LOCK_BACKOFF, SWITCH_STEP_BACKOFF } from '../../core/switching/backoff.js';
import { SWITCH_ERRORS, SWITCH_STATES } from '../../functions/shared/flow-states.js';
import { addJitteredRetry } from './flow-retry.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledgeTopicWildcard, grantTopicPublish, topicArn } from './iot-topics.js';
import { acknowledge } from './nag.js';
import { acknowledgeInvokeQualifiers, bindTableItems, grantTableItems } from './table-access.js';

export interface SwitchFlowProps {
  readonly table: ITable;
  /** A multi-region deployment's site leases: the counter and fencing epoch come from here. @default none */
  readonly leaseTable?: ITable;
  /** Signs every command (stacks/constructs/command-signing-key.ts); only the two command-building steps may use it. */
  readonly signingKey: kms.IKey;
  /** How long the gateway has to answer with an executed/rejected ack. @default Duration.minutes(2) */
  readonly ackTimeout?: Duration;
  /**
   * How long the gateway may stay silent: its `received` ack is the first heartbeat, its final ack must follow within
   * this unless it repeats `received`. @default Duration.seconds(60)
   */
  readonly ackHeartbeat?: Duration;
  /** @default Duration.minutes(10) */
  readonly flowTimeout?: Duration;
  /** `iot:DescribeEndpoint` (iot:Data-ATS) of the account, for the compensation's publish. @default the SDK's default */
  readonly iotDataEndpoint?: string;
}

/**
 * SwitchFlow: moves one site's power split. Lock → drain → prepare the command → publish it to the site and wait for
 * the ack (task token, heartbeat, timeout) → commit → release. Any error after the lock is taken runs Compensate (safe
 * mode, failure recorded, failed-switch metric) and then releases the lock before failing; nothing leaves a site
 * locked. Lambda steps retry with capped exponential backoff and full jitter.
 */
export class SwitchFlow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /**
   * Signs every command (ES256 on ECC_NIST_P256, core/messages/command-signature.ts); only the two steps that build
   * commands may use it. Its public key (kms:GetPublicKey) goes into the gateways' `commandKeys` under its key id.
   */
  readonly commandSigningKey: kms.IKey;
  readonly functions: HcpFunction[] = [];

  constructor(scope: Construct, id: string, props: SwitchFlowProps) {
    super(scope, id);
    const lockTtl = props.flowTimeout ?? Duration.minutes(10);
    this.commandSigningKey = props.signingKey;
    const step = (name: string, entry: string) => {
      const fn = new HcpFunction(this, name, {
        entry: `functions/switching/${entry}.ts`,
        serviceName: 'hcp-switching',
        environment: {
          LOCK_TTL_SECONDS: String(lockTtl.toSeconds()),
          COMMAND_SIGNING_KEY_ID: this.commandSigningKey.keyId,
          ...(props.iotDataEndpoint ? { IOT_DATA_ENDPOINT: props.iotDataEndpoint } : {}),
        },
      });
      bindTableItems(fn, props.table);
      if (props.leaseTable) {
        grantTableItems(fn.fn, props.leaseTable, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
        fn.fn.addEnvironment('LEASE_TABLE_NAME', props.leaseTable.tableName);
      }
      this.functions.push(fn);
      return fn;
    };
    // The whole state is the payload (no Parameters), and the function's result lands at `resultPath`.
    const invoke = (stateName: string, fn: HcpFunction, resultPath: string) =>
      new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: fn.fn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
      });

    const acquireFn = step('AcquireLockFn', 'acquire-lock');
    const releaseFn = step('ReleaseLockFn', 'release-lock');
    const compensateFn = step('CompensateFn', 'compensate');
    const commandTopics = allSitesTopicResource('commands');
    grantTopicPublish(
      compensateFn.fn,
      commandTopics,
      'Compensation publishes the safe-mode command to whichever site failed: every site command topic, and only those.',
    );

    // Lock: the output replaces the state (validated request + owner + lock), so later steps read one shape.
    const acquire = new tasks.LambdaInvoke(this, SWITCH_STATES.acquireLock, {
      stateName: SWITCH_STATES.acquireLock,
      lambdaFunction: acquireFn.fn,
      payload: sfn.TaskInput.fromObject({
        request: sfn.JsonPath.objectAt('$'),
        ownerId: sfn.JsonPath.executionName,
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    addJitteredRetry(acquire, SITE_LOCK_BACKOFF, { errors: [SWITCH_ERRORS.lockHeld] });
    addJitteredRetry(acquire, SWITCH_STEP_BACKOFF, { noRetry: [SWITCH_ERRORS.invalidInput] });

    const drain = invoke(SWITCH_STATES.drain, step('DrainFn', 'drain'), '$.drain');
    const prepareFn = step('PrepareCommandFn', 'prepare-command');
    const prepare = invoke(SWITCH_STATES.prepare, prepareFn, '$.command');
    for (const signing of [prepareFn, compensateFn]) this.commandSigningKey.grant(signing.fn, 'kms:Sign');
    const commit = invoke(SWITCH_STATES.commit, step('CommitFn', 'commit'), '$.commit');
    const release = invoke(SWITCH_STATES.release, releaseFn, '$.release');
    for (const task of [drain, prepare, commit, release]) {
      addJitteredRetry(task, SWITCH_STEP_BACKOFF, {
        noRetry: [SWITCH_ERRORS.invalidInput, SWITCH_ERRORS.planMissing, SWITCH_ERRORS.ackMismatch],
      });
    }

    const publish = new tasks.CallAwsService(this, SWITCH_STATES.publish, {
      stateName: SWITCH_STATES.publish,
      service: 'iotdata',
      action: 'publish',
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      parameters: {
        Topic: sfn.JsonPath.format(siteTopicPattern('{}', 'commands'), sfn.JsonPath.stringAt('$.siteId')),
        Qos: 1,
        // The command as built by PrepareCommand, with the token the gateway echoes in its acks.
        Payload: {
          commandId: sfn.JsonPath.stringAt('$.command.commandId'),
          siteId: sfn.JsonPath.stringAt('$.command.siteId'),
          seq: sfn.JsonPath.numberAt('$.command.seq'),
          epoch: sfn.JsonPath.numberAt('$.command.epoch'),
          issuedAt: sfn.JsonPath.stringAt('$.command.issuedAt'),
          validUntil: sfn.JsonPath.stringAt('$.command.validUntil'),
          kind: sfn.JsonPath.stringAt('$.command.kind'),
          payload: sfn.JsonPath.objectAt('$.command.payload'),
          signature: sfn.JsonPath.stringAt('$.command.signature'),
          taskToken: sfn.JsonPath.taskToken,
        },
      },
      iamResources: [topicArn(this, commandTopics)],
      iamAction: 'iot:Publish',
      heartbeatTimeout: sfn.Timeout.duration(props.ackHeartbeat ?? Duration.seconds(60)),
      taskTimeout: sfn.Timeout.duration(props.ackTimeout ?? Duration.minutes(2)),
      resultPath: '$.ack',
    });
    // Only a refused publish is retried: once IoT took the message, a second publish would be a second command.
    addJitteredRetry(publish, SWITCH_STEP_BACKOFF, {
      errors: ['IotData.ThrottlingException', 'IotData.ServiceUnavailableException'],
    });

    // A stale-seq refusal (the gateway's lastSeq in its cause) or a resync request: move the counter past the
    // gateway's, then prepare a new command. Once per switch; a second refusal compensates.
    const resync = invoke(SWITCH_STATES.resync, step('ResyncSequenceFn', 'resync-sequence'), '$.resync');
    addJitteredRetry(resync, SWITCH_STEP_BACKOFF, {
      noRetry: [SWITCH_ERRORS.invalidInput, SWITCH_ERRORS.resyncExhausted],
    });
    publish.addCatch(resync.next(prepare), { errors: [...RESYNC_ERRORS], resultPath: '$.error' });

    const compensate = invoke(SWITCH_STATES.compensate, compensateFn, '$.compensation');
    addJitteredRetry(compensate, SWITCH_STEP_BACKOFF, { noRetry: [SWITCH_ERRORS.invalidInput] });
    const releaseAfterFailure = invoke(SWITCH_STATES.releaseAfterFailure, releaseFn, '$.release');
    addJitteredRetry(releaseAfterFailure, SWITCH_STEP_BACKOFF);
    const failed = new sfn.Fail(this, SWITCH_STATES.failed, {
      stateName: SWITCH_STATES.failed,
      error: 'SwitchCompensated',
      cause: 'the switch failed; the site was put in safe mode and its lock released (see $.error in the history)',
    });
    // A compensation that itself fails still releases the lock; the lock's TTL is the last resort.
    compensate.addCatch(releaseAfterFailure, { errors: [sfn.Errors.ALL], resultPath: '$.compensationError' });
    releaseAfterFailure.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.releaseError' });
    const compensation = compensate.next(releaseAfterFailure).next(failed);
    for (const task of [drain, prepare, publish, resync, commit]) {
      task.addCatch(compensation, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    // The switch is committed; a release that fails past its retries leaves the lock to its TTL and fails the run.
    release.addCatch(failed, { errors: [sfn.Errors.ALL], resultPath: '$.releaseError' });

    acquire.addCatch(
      new sfn.Fail(this, SWITCH_STATES.siteBusy, {
        stateName: SWITCH_STATES.siteBusy,
        error: 'SiteBusy',
        cause: 'another switch held the site lock past the retries; nothing was changed',
      }),
      { errors: [SWITCH_ERRORS.lockHeld], resultPath: '$.error' },
    );
    acquire.addCatch(
      new sfn.Fail(this, SWITCH_STATES.notStarted, {
        stateName: SWITCH_STATES.notStarted,
        error: 'SwitchNotStarted',
        cause: 'the request was invalid or the lock could not be taken; nothing was changed',
      }),
      { errors: [sfn.Errors.ALL], resultPath: '$.error' },
    );

    const definition = acquire
      .next(drain)
      .next(prepare)
      .next(publish)
      .next(commit)
      .next(release)
      .next(new sfn.Succeed(this, SWITCH_STATES.switched, { stateName: SWITCH_STATES.switched }));

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: props.flowTimeout ?? Duration.minutes(10),
    });
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing and CloudWatch Logs delivery actions of Step Functions have no resource-level permissions.',
    );
    acknowledgeTopicWildcard(
      this.stateMachine.role,
      commandTopics,
      'The flow publishes commands to whichever site it switches: every site command topic, and only those.',
    );
    acknowledgeInvokeQualifiers(
      this.stateMachine.role,
      this.functions.map((f) => f.fn),
    );
  }
}
