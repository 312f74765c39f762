import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/**
 * A bucket for other buckets' server access logs: private, TLS only, S3-managed keys (the log delivery cannot use a
 * KMS key), versioned so a log object overwritten or deleted stays recoverable for its retention, logs kept 400 days.
 * `of` names the buckets it logs, in the cdk-nag reasons.
 */
export function accessLogsBucket(scope: Construct, id: string, of: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(400) }],
  });
  acknowledge(bucket, 'AwsSolutions-S1', `This is the access-log bucket of ${of}; logging it into itself would loop.`);
  acknowledge(
    bucket,
    'NIST.800.53.R5-S3DefaultEncryptionKMS',
    'S3 server access log delivery writes only to SSE-S3 buckets (S3 user guide, "Enabling server access logging").',
  );
  acknowledge(
    bucket,
    'NIST.800.53.R5-S3BucketReplicationEnabled',
    `Access logs of ${of} stay in that bucket's region (S3 stores them across at least three AZs); a regional ` +
      'outage that loses them also stops the requests they would record.',
  );
  return bucket;
}
