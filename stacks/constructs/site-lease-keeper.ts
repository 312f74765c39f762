import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledgeInvokeQualifiers, bindTableItems, grantTableItems } from './table-access.js';

export interface SiteLeaseKeeperProps {
  /** The regional table: the site registry the keeper walks. */
  readonly table: ITable;
  readonly leaseTable: ITable;
  /** The region that creates leases not taken yet. */
  readonly primaryRegion: string;
}

/**
 * Every minute, this region renews the site leases it holds and takes those that expired (functions/regions/
 * keep-leases.ts), and switches its table-stream consumers with them (`switchStreamConsumers`). A region that cannot reach the lease table's quorum fails here, stops renewing, and loses its
 * leases to the other region when they expire (core/switching/lease.ts: 3 min + 5 s margin).
 */
export class SiteLeaseKeeper extends Construct {
  readonly function: HcpFunction;
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: SiteLeaseKeeperProps) {
    super(scope, id);
    this.function = new HcpFunction(this, 'KeepFn', {
      entry: 'functions/regions/lease-keeper-handler.ts',
      serviceName: 'hcp-regions',
      timeout: Duration.seconds(50),
      environment: { LEASE_TABLE_NAME: props.leaseTable.tableName, PRIMARY_REGION: props.primaryRegion },
    });
    bindTableItems(this.function, props.table);
    grantTableItems(this.function.fn, props.leaseTable, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    this.deadLetterQueue = new DeadLetterQueue(this, 'ScheduleDlq').queue;
    const role = new iam.Role(this, 'ScheduleRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeInvokeQualifiers(role, [this.function.fn]);
    new scheduler.Schedule(this, 'Schedule', {
      description: 'HCP site lease keeper',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(this.function.fn, {
        role,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }

  /**
   * Hands the region's table-stream consumers to the keeper: it switches them on when the region holds a lease and
   * off when the other region holds every site (functions/regions/keep-leases.ts), so a failover needs no runbook
   * step. Least privilege: read and update these mappings, by ARN, nothing else.
   */
  switchStreamConsumers(sources: readonly DynamoEventSource[]): void {
    this.function.fn.addEnvironment('STREAM_MAPPING_IDS', sources.map((s) => s.eventSourceMappingId).join(','));
    this.function.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
        resources: sources.map((s) => s.eventSourceMappingArn),
      }),
    );
  }
}
