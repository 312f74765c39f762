import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { accessLogsBucket } from './access-logs-bucket.js';
import type { HcpFunction } from './hcp-function.js';
import { acknowledge, nagAttribute } from './nag.js';

export interface EvidenceBucketProps {
  /**
   * Days each M&V evidence document stays locked in COMPLIANCE mode (no one, the root user included, can delete or
   * overwrite it before). ERCOT settlement disputes and audits reach back years. @default 2555 (7 years)
   */
  readonly retentionDays?: number;
}

export const DEFAULT_EVIDENCE_RETENTION_DAYS = 2555;
/** The prefix the evidence is written under (functions/grid-events/evidence.ts `evidenceKey`). */
const EVIDENCE_PREFIX = 'grid-events/';

/**
 * The immutable store of M&V evidence: S3 with Object Lock, default retention in compliance mode, versioned (Object
 * Lock requires it), TLS only, no public access, server access logs to a bucket of their own. The API's evidence
 * route writes each document once (`If-None-Match: *`) with its own retention date (functions/grid-events/adapters/
 * s3-evidence-archive.ts); it may put and read objects under `grid-events/`, never delete them or shorten a lock.
 */
export class EvidenceBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: EvidenceBucketProps = {}) {
    super(scope, id);
    this.retentionDays = props.retentionDays ?? DEFAULT_EVIDENCE_RETENTION_DAYS;
    const accessLogs = accessLogsBucket(this, 'AccessLogs', 'the evidence bucket');
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(this.retentionDays)),
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'evidence/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets `fn` write evidence once (with its retention) and read it back, and tells it where (environment). */
  grantWriteOnce(fn: HcpFunction): void {
    const objects = this.bucket.arnForObjects(`${EVIDENCE_PREFIX}*`);
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'],
        resources: [objects],
      }),
    );
    acknowledge(
      fn,
      `AwsSolutions-IAM5[Resource::${nagAttribute(fn, this.bucket.node.defaultChild as s3.CfnBucket, 'Arn')}/${EVIDENCE_PREFIX}*]`,
      'Evidence documents are named by grid event (grid-events/<site>/<event>.json): the prefix is the narrowest grant.',
    );
    fn.fn.addEnvironment('EVIDENCE_BUCKET', this.bucket.bucketName);
    fn.fn.addEnvironment('EVIDENCE_RETENTION_DAYS', String(this.retentionDays));
  }
}
