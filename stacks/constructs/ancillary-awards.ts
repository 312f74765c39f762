import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { HcpFunction } from './hcp-function.js';
import { bindTableItems } from './table-access.js';
import { queueEventSource, workQueue } from './work-queue.js';

export interface AncillaryAwardsProps {
  /** The platform table: the awards Lambda reads the site registry (each site's ERCOT resources). */
  readonly table: ITable;
  /** The SwitchFlow each site's awards are armed through. */
  readonly switchFlow: sfn.IStateMachine;
  /** The QSE's sender (a role in the QSE's or our account), granted SendMessage on the queue. @default none */
  readonly qseSender?: iam.IPrincipal;
  /** Receives before a message moves to the DLQ. @default 3 */
  readonly maxReceiveCount?: number;
}

/**
 * Ancillary awards into the platform (issue 25): the QSE puts each batch of ERCOT's AS awards on an encrypted, TLS-only
 * queue; the awards Lambda (functions/ancillary/awards-handler.ts) maps each message's resource-level awards to the
 * registry's sites and groups and arms them through each site's SwitchFlow. A message refused (a field named in the
 * log) or not armed stays on the queue and moves to the DLQ after `maxReceiveCount` receives; the DLQ's depth is
 * alarmed by the monitoring stack (ControlStack.deadLetterQueues).
 */
export class AncillaryAwards extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: HcpFunction;

  constructor(scope: Construct, id: string, props: AncillaryAwardsProps) {
    super(scope, id);
    const timeout = Duration.seconds(30);
    const { queue, deadLetterQueue } = workQueue(this, 'Queue', timeout, props.maxReceiveCount ?? 3);
    this.queue = queue;
    this.deadLetterQueue = deadLetterQueue;
    this.function = new HcpFunction(this, 'AwardsFn', {
      entry: 'functions/ancillary/awards-handler.ts',
      serviceName: 'hcp-ancillary',
      timeout,
    });
    bindTableItems(this.function, props.table);
    props.switchFlow.grantStartExecution(this.function.fn);
    this.function.fn.addEnvironment('SWITCH_FLOW_ARN', props.switchFlow.stateMachineArn);
    this.function.fn.addEventSource(queueEventSource(queue));
    if (props.qseSender) queue.grantSendMessages(props.qseSender);
  }
}
