import { AthenaClient } from '@aws-sdk/client-athena';
import { z } from 'zod';
import { configGetter } from '../../shared/config.js';
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

let runner: AthenaQueryRunner | undefined;

/** The history Lambda's query runner over the Iceberg sink, built once per container from its environment. */
export function athenaQueryRunner(): AthenaQueryRunner {
  if (runner) return runner;
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
