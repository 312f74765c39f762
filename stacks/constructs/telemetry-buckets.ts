import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { accessLogsBucket } from './access-logs-bucket.js';
import { acknowledge } from './nag.js';

/** A metric whose any datapoint pages (MonitoringStack), with what it means for the on-call. */
export interface PagingMetric {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly description: string;
}

/**
 * The telemetry sinks' buckets share one shape: private, TLS only, encrypted with the sink's key (bucket keys on, so
 * a Firehose flush is not a KMS call per object), server access logs into one log bucket, incomplete uploads dropped.
 */
export class TelemetryBuckets extends Construct {
  private readonly accessLogs: s3.Bucket;

  constructor(
    scope: Construct,
    id: string,
    private readonly key: kms.IKey,
  ) {
    super(scope, id);
    this.accessLogs = accessLogsBucket(this, 'AccessLogs', 'the telemetry buckets');
  }

  /** A bucket logged under `<id>/`, kept when the stack is deleted unless `removalPolicy` says otherwise. */
  bucket(id: string, props: Pick<s3.BucketProps, 'bucketName' | 'lifecycleRules' | 'removalPolicy'> = {}): s3.Bucket {
    const bucket = new s3.Bucket(this, id, {
      ...(props.bucketName ? { bucketName: props.bucketName } : {}),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${id}/`,
      // A deleted or overwritten object stays recoverable for a week: enough to notice a bad compaction or delete.
      versioned: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1), noncurrentVersionExpiration: Duration.days(7) },
        ...(props.lifecycleRules ?? []),
      ],
    });
    acknowledge(
      bucket,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'Telemetry is written in the region whose gateways send it; a second region keeps its own sink, not a copy.',
    );
    return bucket;
  }

  /**
   * A bucket only failures are written to (undeliverable rows, rejected records), paging on its first object: S3
   * request metrics count its PUTs per minute, so one failed write is seen within the alarm's period.
   */
  failureBucket(id: string, description: string): { bucket: s3.Bucket; paging: PagingMetric } {
    const bucket = this.bucket(id, { lifecycleRules: [{ expiration: Duration.days(90) }] });
    bucket.addMetric({ id: 'Writes' });
    const metric = new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      dimensionsMap: { BucketName: bucket.bucketName, FilterId: 'Writes' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    return { bucket, paging: { id, metric, description } };
  }
}
