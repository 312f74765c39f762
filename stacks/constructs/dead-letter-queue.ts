import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface DeadLetterQueueProps {
  /** @default Duration.days(14), SQS's maximum */
  readonly retention?: Duration;
}

/**
 * Where an async path puts what it could not deliver (a schedule's start, an IoT rule's action, a Lambda's async
 * invocation): encrypted, TLS only, kept the longest SQS allows so an operator can replay it.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retention ?? Duration.days(14),
    });
    acknowledge(this.queue, 'AwsSolutions-SQS3', 'This queue is itself a dead-letter queue; its depth is alarmed.');
  }
}
