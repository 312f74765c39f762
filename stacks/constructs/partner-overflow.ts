import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { partnerIdSchema } from '../../core/partners/catalogue.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';
import { acknowledgeInvokeQualifiers, bindTableItems } from './table-access.js';

export interface PartnerOverflowProps {
  readonly table: ITable;
  /** The router, which hands attempts to the runner (asynchronous invocation). */
  readonly router: HcpFunction;
  /** Where the runner's failures tell the customer (the webhook events queue). */
  readonly eventsQueue: sqs.IQueue;
  /** The partners HCP holds keys for: one secret each, its value set by an operator after deployment. */
  readonly partnerIds: readonly string[];
  /**
   * The bid clearing (OptimizeFlow's persist step), which hands a partner fill's work to the runner as the router
   * hands overflow. @default none: bids are filled at sites only
   */
  readonly bidClearing?: HcpFunction;
}

/**
 * Partner overflow in AWS (#28): a secret per partner for its API key, and the partner runner, invoked asynchronously
 * by the router with one attempt, calling the partner's OpenAI-compatible endpoint (up to 15 minutes) and recording
 * how it ended. The runner alone may read the partners' secrets, each by its ARN; the router may only invoke it.
 */
export class PartnerOverflow extends Construct {
  readonly runner: HcpFunction;
  readonly secrets: secretsmanager.Secret[];
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: PartnerOverflowProps) {
    super(scope, id);
    this.secrets = props.partnerIds.map((partnerId) => {
      partnerIdSchema.parse(partnerId);
      const secret = new secretsmanager.Secret(this, `Key-${partnerId}`, {
        description: `API key of partner cloud ${partnerId} (set by an operator; HCP never generates it)`,
      });
      acknowledge(
        secret,
        'AwsSolutions-SMG4',
        'A partner issues and rotates its own API keys; an operator replaces the value when the partner rotates it.',
      );
      return secret;
    });
    const secretArns = Object.fromEntries(props.partnerIds.map((pid, i) => [pid, this.secrets[i]!.secretArn]));

    this.runner = new HcpFunction(this, 'RunFn', {
      entry: 'functions/partners/run-handler.ts',
      serviceName: 'hcp-partners',
      // A partner's answer to a long job takes minutes; the client stops at the deadline or here.
      timeout: Duration.minutes(15),
      environment: {
        PARTNER_SECRETS: JSON.stringify(secretArns),
        WORKLOAD_EVENTS_QUEUE_URL: props.eventsQueue.queueUrl,
      },
    });
    bindTableItems(this.runner, props.table);
    for (const secret of this.secrets) secret.grantRead(this.runner.fn);
    props.eventsQueue.grantSendMessages(this.runner.fn);
    this.deadLetterQueue = new DeadLetterQueue(this, 'RunDlq').queue;
    // Lambda retries an attempt the router had not recorded yet (the runner throws), then parks it here.
    this.runner.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    for (const dispatcher of [props.router, ...(props.bidClearing ? [props.bidClearing] : [])]) {
      this.runner.fn.grantInvoke(dispatcher.fn);
      acknowledgeInvokeQualifiers(dispatcher.fn.role!, [this.runner.fn]);
      dispatcher.fn.addEnvironment('PARTNER_RUNNER_FUNCTION', this.runner.fn.functionName);
    }
    if (props.bidClearing) {
      // A partner fill's hand-over tells the customer (workload.queued) as the router's does.
      props.eventsQueue.grantSendMessages(props.bidClearing.fn);
      props.bidClearing.fn.addEnvironment('WORKLOAD_EVENTS_QUEUE_URL', props.eventsQueue.queueUrl);
    }
  }
}
