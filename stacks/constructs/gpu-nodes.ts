import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import type { HcpFunction } from './hcp-function.js';
import { RuleFunction } from './rule-function.js';
import { bindTableItems } from './table-access.js';

export interface GpuNodeInventoryProps {
  /** The platform table: each site's latest GPU node report, `SITE#<id>` / `GPUNODES`. */
  readonly table: ITable;
}

/**
 * The GPU workers' node reports (inventory, scheduling state, health) into the table. A Lambda rather than a
 * Lambda-free rule: the report is validated, and an older report arriving late (QoS 0) must not overwrite a newer one,
 * which takes a conditional write on the report's own time.
 */
export class GpuNodeInventory extends Construct {
  readonly function: HcpFunction;
  readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: GpuNodeInventoryProps) {
    super(scope, id);
    const rule = new RuleFunction(this, 'ReportRule', {
      functionId: 'ReportFn',
      entry: 'functions/gpu-nodes/report-handler.ts',
      serviceName: 'hcp-gpu-nodes',
      description: 'GPU workers’ node inventory and health into the platform table',
      sql: siteTopicSql('gpu-nodes', { where: SITE_ID_MATCHES_TOPIC }),
    });
    this.function = bindTableItems(rule.function, props.table);
    this.deadLetterQueues = rule.deadLetterQueues;
  }
}
