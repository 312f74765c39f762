import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import { RuleFunction } from './rule-function.js';

export interface AckRuleProps {
  /** The flow whose task tokens the acks settle. */
  readonly switchFlow: sfn.IStateMachine;
}

/**
 * Acks back into the switching flow: an IoT rule on `hcp/v1/sites/+/acks` invokes the ack Lambda, which calls
 * SendTaskSuccess/Failure/Heartbeat. The rule keeps only acks whose body names the site of the topic it came on (the
 * gateway policy already pins each gateway to its own topics). Both async hops have a dead-letter queue (RuleFunction).
 */
export class AckRule extends RuleFunction {
  constructor(scope: Construct, id: string, props: AckRuleProps) {
    super(scope, id, {
      functionId: 'AckFn',
      entry: 'functions/switching/ack.ts',
      serviceName: 'hcp-switching',
      description: 'Gateway acks settle the switching flow task tokens',
      sql: siteTopicSql('acks', { where: SITE_ID_MATCHES_TOPIC }),
    });
    props.switchFlow.grantTaskResponse(this.function.fn);
  }
}
