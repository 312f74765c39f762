import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { FLEET_SITE, LIVE_SCENARIO } from '../../core/telemetry-history/records.js';
import { acknowledge } from './nag.js';
import type { HistoryRowStream } from './telemetry-sink.js';

export interface ApiCanaryProps {
  readonly api: apigw.RestApi;
  /** @default every 5 minutes */
  readonly every?: Duration;
  /** Days the canary's run artifacts are kept. @default 30 */
  readonly artifactDays?: number;
  /** Where each probe is recorded as a `fleet_events` row (the API uptime and latency KPIs). @default not recorded */
  readonly probes?: HistoryRowStream;
}

/**
 * The API's health as its callers see it (#27's API uptime KPI): a CloudWatch Synthetics canary calls the public
 * `GET /v1/health` on a schedule, from outside the API, and records success and latency (`SuccessPercent`,
 * `Duration`), and each probe as a `fleet_events` row (kind `api-probe`) in the telemetry history, where the API uptime
 * and p50/p99 KPIs read it. The local platform's prober (sim/platform/start/telemetry-history.ts) is its stand-in.
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
      environmentVariables: {
        HEALTH_URL: props.api.urlForPath('/v1/health'),
        ...(props.probes ? { PROBE_STREAM: props.probes.streamName } : {}),
      },
      test: synthetics.Test.custom({
        handler: 'index.handler',
        code: synthetics.Code.fromInline(CANARY_SCRIPT),
      }),
    });
    props.probes?.grantPut(this.canary.role);
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

/**
 * One step: GET the health URL and time it (connection included, as a caller's first call), record the probe as a
 * `fleet_events` row (core/telemetry-history/records.ts) when PROBE_STREAM names the stream, and fail the run on a
 * non-2xx or no answer (SuccessPercent, the alarm). The Synthetics Node.js runtime is Lambda's Node.js 20, whose
 * AWS SDK for JavaScript v3 it requires. Exported for its test, which runs this text against a real HTTP server.
 */
export const CANARY_SCRIPT = `
const synthetics = require('Synthetics');
const http = require('node:http');
const https = require('node:https');
const { FirehoseClient, PutRecordCommand } = require('@aws-sdk/client-firehose');

const firehose = new FirehoseClient({});

/** The status of one GET, or 0 when nothing answered within 10 s. */
function statusOf(url) {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { timeout: 10000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(0));
  });
}

function probeRow(atMs, latencyMs, ok) {
  return {
    site: ${JSON.stringify(FLEET_SITE)},
    day: new Date(atMs).toISOString().slice(0, 10),
    scenario: ${JSON.stringify(LIVE_SCENARIO)},
    at_ms: atMs,
    kind: 'api-probe',
    source: 'canary',
    latency_ms: latencyMs,
    ok,
  };
}

exports.handler = async () => {
  const url = new URL(process.env.HEALTH_URL);
  await synthetics.executeStep('health', async () => {
    const atMs = Date.now();
    const started = process.hrtime.bigint();
    const status = await statusOf(url);
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const ok = status >= 200 && status < 300;
    if (process.env.PROBE_STREAM)
      await firehose.send(
        new PutRecordCommand({
          DeliveryStreamName: process.env.PROBE_STREAM,
          Record: { Data: Buffer.from(JSON.stringify(probeRow(atMs, latencyMs, ok))) },
        }),
      );
    if (!ok) throw new Error('GET ' + url.pathname + ' answered ' + (status || 'nothing'));
  });
};
`;
