import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/**
 * A bucket for other buckets' server access logs: private, TLS only, S3-managed keys (the log delivery cannot use a
 * KMS key), logs kept 400 days. `of` names the buckets it logs, in the cdk-nag reason it is not logged itself.
 */
export function accessLogsBucket(scope: Construct, id: string, of: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(400) }],
  });
  acknowledge(bucket, 'AwsSolutions-S1', `This is the access-log bucket of ${of}; logging it into itself would loop.`);
  return bucket;
}
