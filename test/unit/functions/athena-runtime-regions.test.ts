import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type ResultSet,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  type AthenaClientIn,
  athenaQueryRunnersOf,
} from '../../../functions/telemetry-history/adapters/athena-runtime.js';
import { mergedSiteTelemetry } from '../../../functions/telemetry-history/history.js';

/** The history Lambda's environment as the stacks set it in us-east-2, with us-west-2's store by name. */
const ENV = {
  TELEMETRY_SINK: 'iceberg',
  TELEMETRY_ATHENA_WORKGROUP: 'Hcp-test-Iot-telemetry',
  TELEMETRY_ATHENA_SCAN_LIMIT_MB: '1024',
  TELEMETRY_GLUE_DATABASE: 'hcp_test_iot_telemetry',
  TELEMETRY_SITE_TABLE: 'site_series',
  TELEMETRY_DEVICE_TABLE: 'device_series',
  TELEMETRY_EVENTS_TABLE: 'fleet_events',
  TELEMETRY_OTHER_REGIONS: JSON.stringify([
    {
      region: 'us-west-2',
      workGroup: 'Hcp-test-us-west-2-Iot-telemetry',
      database: 'hcp_test_us_west_2_iot_telemetry',
    },
  ]),
};

const FROM_MS = Date.parse('2026-12-07T10:00:00Z');
const STEP_MS = 300_000;
const KEY_COLUMNS = ['bucket_ms', 'site', 'day', 'scenario', 'gateway_id', 'batch_seq', 'at_ms', 'mining_usd'];

/** A site batch as Athena answers siteBatchesSql (strings, typed by the column info), the columns money reads. */
const batch = (seq: number, offsetMs: number, miningUsd: number) => {
  const atMs = FROM_MS + offsetMs;
  return [
    String(FROM_MS + offsetMs - (offsetMs % STEP_MS)),
    'site-a',
    '2026-12-07',
    'live',
    'gw-a',
    String(seq),
    String(atMs),
    String(miningUsd),
  ];
};

/**
 * One region's Athena: answers every query at once with `batches`, and records the region it was built for and
 * what it was sent.
 */
function regionAthena(region: string | undefined, batches: string[][]) {
  const started: Array<{ region: string | undefined; workGroup: unknown; sql: string }> = [];
  const resultSet: ResultSet = {
    ResultSetMetadata: {
      ColumnInfo: KEY_COLUMNS.map((Name) => ({
        Name,
        Type: ['bucket_ms', 'batch_seq', 'at_ms'].includes(Name)
          ? 'bigint'
          : Name === 'mining_usd'
            ? 'double'
            : 'varchar',
      })),
    },
    Rows: [KEY_COLUMNS, ...batches].map((row) => ({ Data: row.map((VarCharValue) => ({ VarCharValue })) })),
  };
  const client = {
    send: async (command: unknown): Promise<unknown> => {
      if (command instanceof StartQueryExecutionCommand) {
        started.push({ region, workGroup: command.input.WorkGroup, sql: command.input.QueryString ?? '' });
        return { QueryExecutionId: `${region ?? 'home'}-q` };
      }
      if (command instanceof GetQueryExecutionCommand)
        return { QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: {} } };
      if (command instanceof GetQueryResultsCommand) return { ResultSet: resultSet };
      throw new Error('unexpected command');
    },
  };
  return { client, started };
}

describe('the history Lambda’s stores across regions', () => {
  it('queries each region’s store with that region’s client and workgroup, and merges their batches once each', async () => {
    // Prepare: the gateway moved at 10:03; batch 2 was re-sent to us-west-2 (same key, its accrual in both copies)
    const home = regionAthena(undefined, [batch(1, 60_000, 10), batch(2, 170_000, 5)]);
    const west = regionAthena('us-west-2', [batch(2, 170_000, 5), batch(3, 360_000, 7)]);
    const asked: Array<string | undefined> = [];
    const clientIn: AthenaClientIn = (region) => {
      asked.push(region);
      return region === 'us-west-2' ? west.client : home.client;
    };
    // Act
    const runners = athenaQueryRunnersOf(ENV, clientIn);
    const merged = await mergedSiteTelemetry(runners, 'site-a', {
      from: new Date(FROM_MS).toISOString(),
      to: new Date(FROM_MS + 2 * STEP_MS).toISOString(),
      step: STEP_MS / 1000,
      scenario: 'live',
      metric: 'money',
    });
    // Assess: one client per region (undefined: the Lambda's own), each store's own workgroup and database
    expect(asked).toEqual([undefined, 'us-west-2']);
    expect(home.started).toEqual([
      expect.objectContaining({
        workGroup: 'Hcp-test-Iot-telemetry',
        sql: expect.stringContaining('hcp_test_iot_telemetry.site_series'),
      }),
    ]);
    expect(west.started).toEqual([
      expect.objectContaining({
        workGroup: 'Hcp-test-us-west-2-Iot-telemetry',
        sql: expect.stringContaining('hcp_test_us_west_2_iot_telemetry.site_series'),
      }),
    ]);
    // Batch 2 counted once: 10 + 5 in the first bucket (not 20), 7 in the second
    expect(merged.points).toEqual([
      expect.objectContaining({ at: '2026-12-07T10:00:00.000Z', samples: 2, miningUsd: 15 }),
      expect.objectContaining({ at: '2026-12-07T10:05:00.000Z', samples: 1, miningUsd: 7 }),
    ]);
  });

  it('is the one store of its region when no other region is configured', () => {
    const { TELEMETRY_OTHER_REGIONS: _none, ...single } = ENV;
    const runners = athenaQueryRunnersOf(single, () => regionAthena(undefined, []).client);
    expect(runners).toHaveLength(1);
    expect(runners[0]!.tables.siteSeries).toBe('hcp_test_iot_telemetry.site_series');
  });

  it('refuses a malformed list of other regions, naming the variable', () => {
    const bad = { ...ENV, TELEMETRY_OTHER_REGIONS: JSON.stringify([{ region: 'us-west-2' }]) };
    expect(() => athenaQueryRunnersOf(bad, () => regionAthena(undefined, []).client)).toThrow(
      /TELEMETRY_OTHER_REGIONS/,
    );
  });
});
