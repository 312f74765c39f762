import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export interface ApiCanaryProps {
  readonly api: apigw.RestApi;
  /** @default every 5 minutes */
  readonly every?: Duration;
  /** Days the canary's run artifacts are kept. @default 30 */
  readonly artifactDays?: number;
}

/**
 * The API's health as its callers see it (#27's API uptime KPI): a CloudWatch Synthetics canary calls the public
 * `GET /v1/health` on a schedule, from outside the API, and records success and latency (`SuccessPercent`,
 * `Duration`). The local platform's prober (sim/platform/start/telemetry-history.ts) is its stand-in.
 */
export class ApiCanary extends Construct {
  readonly canary: synthetics.Canary;

  constructor(scope: Construct, id: string, props: ApiCanaryProps) {
    super(scope, id);
    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(props.artifactDays ?? 30) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    const reasons: Record<string, string> = {
      'NIST.800.53.R5-S3DefaultEncryptionKMS':
        'Holds only screenshots and timings of the public /v1/health probe (no credential, no customer data), ' +
        'deleted after the artifact retention; SSE-S3 encrypts it at rest.',
      'NIST.800.53.R5-S3BucketVersioningEnabled':
        'Probe results are write-once and expire after the artifact retention; the alarm, not the objects, is the record.',
      'NIST.800.53.R5-S3BucketLoggingEnabled':
        'Only the canary role writes and the team reads probe artifacts; CloudTrail records management access to it.',
      'NIST.800.53.R5-S3BucketReplicationEnabled':
        'Probe artifacts describe this region’s API only and expire after the artifact retention.',
    };
    for (const [rule, reason] of Object.entries(reasons)) acknowledge(artifacts, rule, reason);
    this.canary = new synthetics.Canary(this, 'Health', {
      runtime: synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_12_0,
      schedule: synthetics.Schedule.rate(props.every ?? Duration.minutes(5)),
      artifactsBucketLocation: { bucket: artifacts },
      environmentVariables: { HEALTH_URL: props.api.urlForPath('/v1/health') },
      test: synthetics.Test.custom({
        handler: 'index.handler',
        code: synthetics.Code.fromInline(CANARY_SCRIPT),
      }),
    });
    acknowledge(
      artifacts,
      'AwsSolutions-S1',
      'Canary run artifacts (screenshots, logs of a health call) hold no data worth an access log; they expire.',
    );
    // The canary's role (made by the construct): its artifacts under the bucket, and its own Lambda log groups.
    const stack = Stack.of(this);
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const bucketId = stack.getLogicalId(artifacts.node.defaultChild as s3.CfnBucket);
    for (const resource of [
      // cloudwatch:PutMetricData and s3:ListAllMyBuckets have no resource-level permission.
      '*',
      `<${bucketId}.Arn>/*`,
      `arn:aws:logs:${region}:<AWS::AccountId>:log-group:/aws/lambda/cwsyn-*`,
    ])
      acknowledge(
        this.canary,
        `AwsSolutions-IAM5[Resource::${resource}]`,
        'Synthetics writes run artifacts under its bucket, logs to groups it names per run (cwsyn-*), and puts metrics and lists buckets (no resource-level permission).',
      );
  }
}

/** One HTTP step: GET the health URL, fail on a non-2xx (the library records the step's latency). */
const CANARY_SCRIPT = `
const synthetics = require('Synthetics');
exports.handler = async () => {
  const url = new URL(process.env.HEALTH_URL);
  return synthetics.executeHttpStep('health', {
    hostname: url.hostname,
    method: 'GET',
    path: url.pathname,
    port: 443,
    protocol: 'https:',
  });
};
`;
