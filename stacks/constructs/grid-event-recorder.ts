import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HcpFunction } from './hcp-function.js';
import { RuleFunction } from './rule-function.js';
import { bindTableItems } from './table-access.js';

export interface GridEventRecorderProps {
  /** The platform table: the grid events and their open marks (functions/shared/data/grid-event-store.ts). */
  readonly table: ITable;
}

/**
 * The grid-event recorder: one IoT rule on the signals every grid event starts from — each site's `grid` topic (DR
 * deployments and recalls, frequency) and each market node's `signals` topic (the relayed price) — invoking the
 * recorder Lambda (functions/grid-events/record-handler.ts) with the topic's scope and key added.
 */
export class GridEventRecorder extends Construct {
  readonly function: HcpFunction;
  readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: GridEventRecorderProps) {
    super(scope, id);
    const rule = new RuleFunction(this, 'SignalRule', {
      functionId: 'RecordFn',
      entry: 'functions/grid-events/record-handler.ts',
      serviceName: 'hcp-grid-events',
      description: 'Grid signals (DR, frequency, price) into the grid-event record for M&V',
      sql:
        "SELECT *, topic(3) AS topicScope, topic(4) AS topicKey FROM 'hcp/v1/+/+/+' " +
        "WHERE (topic(3) = 'sites' AND topic(5) = 'grid') OR (topic(3) = 'market' AND topic(5) = 'signals')",
    });
    this.function = bindTableItems(rule.function, props.table);
    this.deadLetterQueues = rule.deadLetterQueues;
  }
}
