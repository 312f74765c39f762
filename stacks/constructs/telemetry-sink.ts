import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { HcpFunction } from './hcp-function.js';
import type { PagingMetric } from './telemetry-buckets.js';

/**
 * Where the gateways' telemetry is stored, whichever store the account has: what the rest of the platform needs of it
 * (IcebergTelemetrySink, TimestreamTelemetrySink; the IoT stack picks one).
 * `iceberg` (the default, any account): Data Firehose into Apache Iceberg tables, queried with Athena;
 * `timestream`: Timestream for LiveAnalytics, for accounts that still have it (closed to new customers 2025-06-20).
 */
export interface TelemetrySink {
  readonly kind: TelemetrySinkKind;
  /** Queues an IoT rule puts what it could not deliver on: their depth pages (MonitoringStack). */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** Metrics whose any datapoint pages: writes the store refused, parked in a bucket. */
  readonly pagingMetrics: readonly PagingMetric[];
  /** The `fleet_events` table's stream, for writers outside the sink (the API canary's probes). @default none (Timestream) */
  readonly fleetEvents?: HistoryRowStream;
  /** Lets the per-device consumer write device samples, and tells it where (environment: TELEMETRY_SINK and the rest). */
  grantSeriesWrite(fn: HcpFunction): void;
  /**
   * Lets the history API's Lambda query the stored telemetry, and tells it how (environment). A sink the history's
   * SQL cannot run on (Timestream) grants nothing and only tells the Lambda which sink it is, so its 503 says why.
   */
  grantHistoryQuery?(fn: HcpFunction): void;
}

/** One history table's stream, as a writer in another stack needs it: its name, and a grant to put records. */
export interface HistoryRowStream {
  readonly streamName: string;
  /** `firehose:PutRecord` on this stream only. */
  grantPut(grantee: iam.IGrantable): void;
}

export type TelemetrySinkKind = 'iceberg' | 'timestream';

/**
 * IoT SQL for an ISO-8601 instant with milliseconds and an offset (the gateways' `sentAt`/`at`) as epoch ms: what the
 * Timestream action's timestamp and the Iceberg rows' `at_ms` take.
 */
export const epochMsSql = (field: string): string => `time_to_epoch(${field}, "yyyy-MM-dd'T'HH:mm:ss.SSSX")`;
