import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { bindTableItems } from './table-access.js';

export interface AuditChainerProps {
  /** The platform table, with its stream (the audit outbox items arrive on it). */
  readonly table: ITable;
  /**
   * Off in a standby region: the replica's stream carries the primary's writes too, and one region chains. The event
   * source mapping is there, disabled, for a failover runbook to enable. @default true
   */
  readonly streamEnabled?: boolean;
}

/**
 * The audit chainer (functions/audit/chain-handler.ts): the table's stream, filtered to audit outbox inserts, links
 * each shard's pending events into its hash chain in batches. Parallelization 1 keeps one invocation per stream shard,
 * so a shard partition is linked by one chainer at a time, in order.
 */
export class AuditChainer extends Construct {
  readonly function: HcpFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /** The table stream's mapping: switched on and off with the region's leases in a multi-region deployment. */
  readonly streamSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: AuditChainerProps) {
    super(scope, id);
    this.function = new HcpFunction(this, 'ChainFn', {
      entry: 'functions/audit/chain-handler.ts',
      serviceName: 'hcp-audit',
      timeout: Duration.seconds(60),
    });
    bindTableItems(this.function, props.table);
    this.deadLetterQueue = new DeadLetterQueue(this, 'ChainStreamDlq').queue;
    this.streamSource = new DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      ...(props.streamEnabled === false ? { enabled: false } : {}),
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(1),
      parallelizationFactor: 1,
      // A failed batch leaves its events in the outbox: the next record or any reader of the chain links them.
      retryAttempts: 5,
      bisectBatchOnError: true,
      onFailure: new SqsDlq(this.deadLetterQueue),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.isEqual('INSERT'),
          dynamodb: { Keys: { [TABLE_KEYS.sortKey]: { S: lambda.FilterRule.beginsWith('OUTBOX#') } } },
        }),
      ],
    });
    this.function.fn.addEventSource(this.streamSource);
  }
}
