import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';

/** A standard queue its consumer drains, and the DLQ it moves a message to after `maxReceiveCount` receives. */
export interface WorkQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

export function workQueue(scope: Construct, id: string, consumerTimeout: Duration, maxReceiveCount: number): WorkQueue {
  const deadLetterQueue = new DeadLetterQueue(scope, `${id}Dlq`).queue;
  // An operator moves dead letters back with `aws sqs start-message-move-task` (README). Naming the one source queue
  // (byQueue) would make the DLQ refer to the queue that refers to it, a cycle CloudFormation refuses.
  (deadLetterQueue.node.defaultChild as sqs.CfnQueue).redriveAllowPolicy = { redrivePermission: 'allowAll' };
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Six times the consumer's timeout (AWS guidance for Lambda event sources).
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

/** What a queue consumer is allowed and how it polls: partial batch failures, so one bad message fails alone. */
export const queueEventSource = (queue: sqs.IQueue) =>
  new SqsEventSource(queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true });
