import { AthenaClient } from '@aws-sdk/client-athena';
import { z } from 'zod';
import { configGetter } from '../../shared/config.js';
import { HttpError } from '../../shared/http.js';
import { traced } from '../../shared/powertools.js';
import { AthenaQueryRunner } from './athena-query-runner.js';

/** What IcebergTelemetrySink.grantHistoryQuery sets on the history Lambda. */
const config = configGetter(
  z.object({
    TELEMETRY_ATHENA_WORKGROUP: z.string().min(1),
    TELEMETRY_ATHENA_SCAN_LIMIT_MB: z.coerce.number().int().positive(),
    TELEMETRY_GLUE_DATABASE: z.string().min(1),
    TELEMETRY_SITE_TABLE: z.string().min(1),
    TELEMETRY_DEVICE_TABLE: z.string().min(1),
    TELEMETRY_EVENTS_TABLE: z.string().min(1),
  }),
);

/**
 * The workgroup is set only by the Iceberg sink's grant; the Timestream sink's grant sets only TELEMETRY_SINK, so the
 * 503 can say why that deployment has no history.
 */
const sinkConfig = configGetter(
  z.object({
    TELEMETRY_ATHENA_WORKGROUP: z.string().min(1).optional(),
    TELEMETRY_SINK: z.enum(['iceberg', 'timestream']).optional(),
  }),
);

/**
 * Why a Timestream deployment has no history: the sink stores what it stored before the history existed (site power
 * per batch by an IoT rule, device samples), not the rows the series and KPIs are computed from. Writing them there
 * too and a second SQL dialect for Timestream (its `bin()`, `ago()`, measure names instead of columns, no day
 * partition) would serve only accounts that already have Timestream, which AWS closed to new customers on 2025-06-20.
 */
export const TIMESTREAM_HISTORY_UNAVAILABLE =
  'this deployment stores telemetry in Timestream (telemetrySink: timestream), which keeps site power and device ' +
  'samples only: the site rows (limit, prices, money) and fleet events (heartbeats, switches, API probes) that the ' +
  'history and KPIs read are written by the Iceberg sink (telemetrySink: iceberg, the default)';

let runner: AthenaQueryRunner | undefined;

/**
 * The history Lambda's query runner over the Iceberg sink, built once per container from its environment. Without
 * the sink's environment (a Timestream deployment, or no store wired) the history is unavailable: a 503 saying why.
 */
export function athenaQueryRunner(): AthenaQueryRunner {
  if (runner) return runner;
  const sink = sinkConfig();
  if (sink.TELEMETRY_SINK === 'timestream')
    throw new HttpError(503, 'history-unavailable', TIMESTREAM_HISTORY_UNAVAILABLE);
  if (!sink.TELEMETRY_ATHENA_WORKGROUP)
    throw new HttpError(
      503,
      'history-unavailable',
      'no telemetry history store is configured (this deployment’s telemetry sink has no Athena history)',
    );
  const env = config();
  runner = new AthenaQueryRunner({
    client: traced(new AthenaClient({})),
    workGroup: env.TELEMETRY_ATHENA_WORKGROUP,
    database: env.TELEMETRY_GLUE_DATABASE,
    glueTables: {
      siteSeries: env.TELEMETRY_SITE_TABLE,
      deviceSeries: env.TELEMETRY_DEVICE_TABLE,
      fleetEvents: env.TELEMETRY_EVENTS_TABLE,
    },
    bytesScannedLimitMb: env.TELEMETRY_ATHENA_SCAN_LIMIT_MB,
  });
  return runner;
}
