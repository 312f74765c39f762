import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import { RuleFunction } from './rule-function.js';
import { grantTableItems } from './table-access.js';

export interface LocalSwitchRuleProps {
  /** The platform table that holds each site's switch history. */
  readonly table: ITable;
}

/**
 * The gateways' own switches into the sites' switch history: an IoT rule on `hcp/v1/sites/+/events` keeps the
 * `local-switch` events whose body names the site of their topic and invokes a Lambda that appends each beside the
 * SwitchFlows (functions/switching/local-switch.ts). The function may only put items (and use the table's key).
 */
export class LocalSwitchRule extends RuleFunction {
  constructor(scope: Construct, id: string, props: LocalSwitchRuleProps) {
    super(scope, id, {
      functionId: 'LocalSwitchFn',
      entry: 'functions/switching/local-switch-handler.ts',
      serviceName: 'hcp-switching',
      description: "Gateways' local switches into the sites' switch history",
      sql: siteTopicSql('events', { where: `${SITE_ID_MATCHES_TOPIC} AND type = 'local-switch'` }),
    });
    grantTableItems(this.function.fn, props.table, ['dynamodb:PutItem']);
    this.function.fn.addEnvironment('TABLE_NAME', props.table.tableName);
  }
}
