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

/** Set only by the Iceberg sink's grant: a deployment with another sink has no Athena history. */
const sinkConfig = configGetter(z.object({ TELEMETRY_ATHENA_WORKGROUP: z.string().min(1).optional() }));

let runner: AthenaQueryRunner | undefined;

/**
 * The history Lambda's query runner over the Iceberg sink, built once per container from its environment. Without
 * the sink's environment (a Timestream deployment, or no store wired locally) the history is unavailable: a 503.
 */
export function athenaQueryRunner(): AthenaQueryRunner {
  if (runner) return runner;
  if (!sinkConfig().TELEMETRY_ATHENA_WORKGROUP)
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
