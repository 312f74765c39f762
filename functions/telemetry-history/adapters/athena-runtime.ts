import { AthenaClient } from '@aws-sdk/client-athena';
import { z } from 'zod';
import { readConfig } from '../../shared/config.js';
import { HttpError } from '../../shared/http.js';
import { traced } from '../../shared/powertools.js';
import { AthenaQueryRunner } from './athena-query-runner.js';

/** What IcebergTelemetrySink.grantHistoryQuery sets on the history Lambda. */
const configSchema = z.object({
  TELEMETRY_ATHENA_WORKGROUP: z.string().min(1),
  TELEMETRY_ATHENA_SCAN_LIMIT_MB: z.coerce.number().int().positive(),
  TELEMETRY_GLUE_DATABASE: z.string().min(1),
  TELEMETRY_SITE_TABLE: z.string().min(1),
  TELEMETRY_DEVICE_TABLE: z.string().min(1),
  TELEMETRY_EVENTS_TABLE: z.string().min(1),
});

/**
 * The workgroup is set only by the Iceberg sink's grant; the Timestream sink's grant sets only TELEMETRY_SINK, so the
 * 503 can say why that deployment has no history.
 */
const sinkSchema = z.object({
  TELEMETRY_ATHENA_WORKGROUP: z.string().min(1).optional(),
  TELEMETRY_SINK: z.enum(['iceberg', 'timestream']).optional(),
});

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

/** What grantOtherRegionsHistoryQuery sets: the other regions' stores by name (stacks/constructs/iceberg-telemetry-sink.ts). */
const otherRegionsSchema = z.array(
  z.object({ region: z.string().min(1), workGroup: z.string().min(1), database: z.string().min(1) }),
);

/** The Athena client of a region: `undefined` is the Lambda's own region. */
export type AthenaClientIn = (region: string | undefined) => Pick<AthenaClient, 'send'>;

const lambdaAthenaClient: AthenaClientIn = (region) => traced(new AthenaClient(region ? { region } : {}));

/**
 * The history stores of `env`: the Lambda's own region's first, then each other region's (TELEMETRY_OTHER_REGIONS,
 * set only in a multi-region deployment), each queried by its own region's Athena client, with the same tables and
 * scan limit. Without the sink's environment (a Timestream deployment, or no store wired) the history is
 * unavailable: a 503 saying why.
 */
export function athenaQueryRunnersOf(env: NodeJS.ProcessEnv, clientIn: AthenaClientIn): AthenaQueryRunner[] {
  const sink = readConfig(sinkSchema, env);
  if (sink.TELEMETRY_SINK === 'timestream')
    throw new HttpError(503, 'history-unavailable', TIMESTREAM_HISTORY_UNAVAILABLE);
  if (!sink.TELEMETRY_ATHENA_WORKGROUP)
    throw new HttpError(
      503,
      'history-unavailable',
      'no telemetry history store is configured (this deployment’s telemetry sink has no Athena history)',
    );
  const home = readConfig(configSchema, env);
  const storeRunner = (store: { region?: string; workGroup: string; database: string }) =>
    new AthenaQueryRunner({
      client: clientIn(store.region),
      workGroup: store.workGroup,
      database: store.database,
      glueTables: {
        siteSeries: home.TELEMETRY_SITE_TABLE,
        deviceSeries: home.TELEMETRY_DEVICE_TABLE,
        fleetEvents: home.TELEMETRY_EVENTS_TABLE,
      },
      bytesScannedLimitMb: home.TELEMETRY_ATHENA_SCAN_LIMIT_MB,
    });
  return [
    storeRunner({ workGroup: home.TELEMETRY_ATHENA_WORKGROUP, database: home.TELEMETRY_GLUE_DATABASE }),
    ...otherRegionsOf(env.TELEMETRY_OTHER_REGIONS).map(storeRunner),
  ];
}

function otherRegionsOf(value: string | undefined) {
  if (!value) return [];
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new Error('invalid configuration: TELEMETRY_OTHER_REGIONS: not JSON');
  }
  const parsed = otherRegionsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`invalid configuration: TELEMETRY_OTHER_REGIONS: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

let runners: AthenaQueryRunner[] | undefined;

/** Every region's history store (athenaQueryRunnersOf), built once per container from the Lambda's environment. */
export function athenaQueryRunners(): AthenaQueryRunner[] {
  runners ??= athenaQueryRunnersOf(process.env, lambdaAthenaClient);
  return runners;
}

/** The Lambda's own region's history store: what the one-region queries (fleet KPIs) read. */
export function athenaQueryRunner(): AthenaQueryRunner {
  return athenaQueryRunners()[0]!;
}
