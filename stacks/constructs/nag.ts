import { type CfnResource, Names, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges a cdk-nag finding on the construct it concerns; the reason is mandatory and says why it is safe. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * Decisions that hold for every resource of the platform, acknowledged once on the app (bin/app.ts) rather than on
 * each of a hundred roles and functions. Each reason names what stands in for the control the rule asks for.
 */
export const PLATFORM_ACKNOWLEDGEMENTS: Readonly<Record<string, string>> = {
  'NIST.800.53.R5-IAMNoInlinePolicy':
    'Each role gets its permissions from CDK grants as one policy attached to that role alone, scoped to the ' +
    'resources it uses (every wildcard is reviewed under AwsSolutions-IAM5). A customer-managed policy could later ' +
    'be attached to other principals and widen them silently; an inline policy lives and dies with its role.',
  'NIST.800.53.R5-LambdaInsideVPC':
    'The platform has no VPC and no network-addressed data store: every call a function makes goes to an AWS ' +
    'service endpoint over TLS, authorized by SigV4 and IAM (DynamoDB, S3, KMS, IoT Core, Step Functions). A VPC ' +
    'would add NAT or one interface endpoint per service without narrowing who can reach the data.',
};

/** Acknowledges the platform-wide decisions on `app` (see PLATFORM_ACKNOWLEDGEMENTS). */
export function acknowledgePlatformDecisions(app: IConstruct): void {
  for (const [id, reason] of Object.entries(PLATFORM_ACKNOWLEDGEMENTS)) acknowledge(app, id, reason);
}

/**
 * The NIST 800-53 rev 5 Lambda findings every function of the platform answers the same way: its callers bound its
 * concurrency, and what fails is kept where the caller can see it (test/infra/compliance.test.ts checks both).
 */
export function acknowledgeLambdaFindings(fn: IConstruct): void {
  acknowledge(
    fn,
    'NIST.800.53.R5-LambdaConcurrency',
    'Callers bound it: API routes by the stage throttle (500/s), per-tenant usage plans and the WAF rate rules; ' +
      'flow steps by Step Functions (one SwitchFlow per site under the site lock, OptimizeFlow Map maxConcurrency); ' +
      'queue consumers by their event source; schedules run one at a time. Reserving concurrency for each of ~80 ' +
      'functions would split the account pool (1,000 by default, as low as 10 in new accounts) and fail to deploy ' +
      'where the sum exceeds it.',
  );
  acknowledge(
    fn,
    'NIST.800.53.R5-LambdaDLQ',
    'A DeadLetterConfig catches only asynchronous invocations. API Gateway and Step Functions wait for the answer ' +
      '(the failure returns to the caller), queue and stream consumers use their source’s redrive or on-failure ' +
      'queue, and the asynchronously invoked functions (IoT rules, schedules) send failures to an SQS on-failure ' +
      'destination, which also carries the error.',
  );
}

/**
 * The NIST Lambda findings on a function CDK itself adds to run at deploy time (a custom-resource provider, the
 * AwsCustomResource singleton): CloudFormation is its only caller and waits for its answer.
 */
export function acknowledgeDeployTimeFunction(scope: IConstruct, what: string): void {
  acknowledge(
    scope,
    'NIST.800.53.R5-LambdaConcurrency',
    `${what} runs once per deployment of its stack: CloudFormation is its only caller.`,
  );
  acknowledge(
    scope,
    'NIST.800.53.R5-LambdaDLQ',
    `CloudFormation waits for the answer of ${what}; a failure fails the deployment and rolls it back.`,
  );
}

/** The construct id aws-cdk-lib gives AwsCustomResource's singleton Lambda (`AWS` + its fixed UUID, no dashes). */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * The findings on the Lambda behind every `cr.AwsCustomResource` of `scope`'s stack: one singleton at the stack's
 * root (CDK's fixed id), acknowledged on it alone. Call after the first AwsCustomResource exists.
 */
export function acknowledgeAwsCustomResourceFunction(scope: IConstruct): void {
  const singleton = Stack.of(scope).node.findChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
  acknowledge(
    singleton,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's AwsCustomResource Lambda: writes its own logs only, runs at deploy time.",
  );
  acknowledge(
    singleton,
    'AwsSolutions-L1',
    "CDK's AwsCustomResource pins its own Node.js runtime; it runs only during deployments.",
  );
  acknowledgeDeployTimeFunction(singleton, "CDK's AwsCustomResource Lambda");
}

/** One acknowledged cdk-nag finding: where, which rule (with its finding detail, if any) and why. */
export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/**
 * Every acknowledgement made in `scope`'s tree, as cdk-nag reads them (construct metadata written by
 * `Validations.of(...).acknowledge`), sorted by rule and path: the input of the compliance matrix.
 */
export function acknowledgementsIn(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, string>)) {
        // aws-cdk-lib writes 'Annotation::<id>' (older releases 'annotation::').
        found.push({ path: node.node.path, id: qualifiedId.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id) || a.path.localeCompare(b.path));
}

/**
 * How cdk-nag writes `resource`'s `attribute` (e.g. `Arn`) in a finding on `consumer`: `<LogicalId.Arn>` in the
 * resource's own stack, and in a stack nested in it the parameter CDK passes the value through,
 * `<referenceto<node unique id><attribute>>` (aws-cdk-lib core/lib/private/refs.ts createNestedStackParameter).
 */
export function nagAttribute(consumer: IConstruct, resource: CfnResource, attribute: string): string {
  const producer = Stack.of(resource);
  if (Stack.of(consumer) === producer) return `<${producer.getLogicalId(resource)}.${attribute}>`;
  return `<referenceto${Names.nodeUniqueId(resource.node)}${attribute}>`;
}
