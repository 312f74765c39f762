import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledgeInvokeQualifiers, bindTableItems } from './table-access.js';

export interface ForecastRefitProps {
  readonly table: ITable;
}

/**
 * The deployed planner's scheduled refit: every 6 hours, 15 minutes past 00/06/12/18 UTC (the ridge forecaster's refit
 * times; the interval before each is published 5 minutes after it ends, so the first dispatch planning from the new
 * refit time runs one 15-minute step later), a Lambda fits the price forecaster on the stored market history and
 * stores its coefficients and fit window. Dispatches read the newest fit and never wait on this one.
 */
export class ForecastRefit extends Construct {
  readonly functions: HcpFunction[];
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: ForecastRefitProps) {
    super(scope, id);
    // Five weeks of 15-minute history and a few thousand ridge rows: seconds; memory buys CPU.
    const fn = new HcpFunction(this, 'RefitFn', {
      entry: 'functions/optimizer/refit.ts',
      serviceName: 'hcp-optimizer',
      memorySizeMb: 1024,
      timeout: Duration.minutes(2),
    });
    bindTableItems(fn, props.table);
    this.functions = [fn];
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq').queue;
    fn.fn.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    const role = new iam.Role(this, 'ScheduleRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeInvokeQualifiers(role, [fn.fn]);
    new scheduler.Schedule(this, 'Schedule', {
      description: 'HCP price-forecast refit',
      schedule: scheduler.ScheduleExpression.cron({ minute: '15', hour: '0/6' }),
      target: new schedulerTargets.LambdaInvoke(fn.fn, {
        role,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
  }
}
