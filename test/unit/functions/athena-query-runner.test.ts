import {
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import fc from 'fast-check';
import {
  AthenaQueryFailed,
  AthenaQueryRunner,
  AthenaQueryTimedOut,
  AthenaScanLimitExceeded,
} from '../../../functions/telemetry-history/adapters/athena-query-runner.js';
import {
  athenaTableNames,
  parseValue,
  rowsOfPage,
} from '../../../functions/telemetry-history/adapters/athena-results.js';
import { siteTelemetry } from '../../../functions/telemetry-history/history.js';
import type { TelemetryQueryRunner } from '../../../functions/telemetry-history/ports.js';

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/**
 * A stand-in for the Athena client: answers each command from a script, and records what it was sent. Executions go
 * through `states` one poll at a time; result pages are served by NextToken.
 */
function fakeAthena(script: {
  states: Array<{ State: QueryExecutionState; StateChangeReason?: string; scannedBytes?: number }>;
  pages?: Array<NonNullable<GetQueryResultsCommandOutput['ResultSet']>>;
}) {
  const sent: Command[] = [];
  let poll = 0;
  const client = {
    send: async (command: Command): Promise<unknown> => {
      sent.push(command);
      if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' };
      if (command instanceof GetQueryExecutionCommand) {
        const step = script.states[Math.min(poll++, script.states.length - 1)]!;
        return {
          QueryExecution: {
            Status: {
              State: step.State,
              StateChangeReason: step.StateChangeReason,
              ...(step.State === 'FAILED' ? { AthenaError: { ErrorCategory: 2, ErrorType: 1301 } } : {}),
            },
            Statistics: { DataScannedInBytes: step.scannedBytes },
          },
        } satisfies Partial<GetQueryExecutionCommandOutput>;
      }
      if (command instanceof GetQueryResultsCommand) {
        const index = command.input.NextToken ? Number(command.input.NextToken) : 0;
        const pages = script.pages ?? [];
        return { ResultSet: pages[index], NextToken: index + 1 < pages.length ? String(index + 1) : undefined };
      }
      if (command instanceof StopQueryExecutionCommand) return {};
      throw new Error(`unexpected command ${command.constructor.name}`);
    },
  };
  return { client: client as never, sent };
}

const COLUMNS = [
  { Name: 'bucket_ms', Type: 'bigint' },
  { Name: 'site_kw', Type: 'double' },
  { Name: 'ok', Type: 'boolean' },
  { Name: 'state', Type: 'varchar' },
];
const row = (...values: Array<string | undefined>) => ({ Data: values.map((VarCharValue) => ({ VarCharValue })) });

function runner(client: never, clock = { now: 0 }) {
  return new AthenaQueryRunner({
    client,
    workGroup: 'hcp-test-telemetry',
    database: 'hcp_test_iot_telemetry',
    glueTables: { siteSeries: 'site_series', deviceSeries: 'device_series', fleetEvents: 'fleet_events' },
    bytesScannedLimitMb: 1024,
    timeoutMs: 10_000,
    nowMs: () => clock.now,
    // Each wait moves the fake clock instead of the wall clock.
    pause: async (ms) => {
      clock.now += ms;
    },
  });
}

describe('AthenaQueryRunner', () => {
  it('runs the SQL in the workgroup and database, polls until it succeeds and reads every page as typed rows', async () => {
    // Prepare
    const { client, sent } = fakeAthena({
      states: [{ State: 'QUEUED' }, { State: 'RUNNING' }, { State: 'SUCCEEDED' }],
      pages: [
        {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [row('bucket_ms', 'site_kw', 'ok', 'state'), row('1000', '12.5', 'true', 'hashing')],
        },
        { ResultSetMetadata: { ColumnInfo: COLUMNS }, Rows: [row('2000', undefined, 'false', 'idle')] },
      ],
    });
    // Act
    const rows = await runner(client).query('SELECT 1');
    // Assess
    expect(rows).toEqual([
      { bucket_ms: 1000, site_kw: 12.5, ok: true, state: 'hashing' },
      { bucket_ms: 2000, site_kw: null, ok: false, state: 'idle' },
    ]);
    const start = sent.find((c) => c instanceof StartQueryExecutionCommand);
    expect(start?.input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'hcp-test-telemetry',
      QueryExecutionContext: { Database: 'hcp_test_iot_telemetry' },
    });
    expect(sent.filter((c) => c instanceof GetQueryExecutionCommand)).toHaveLength(3);
    expect(sent.filter((c) => c instanceof GetQueryResultsCommand).map((c) => c.input.NextToken)).toEqual([
      undefined,
      '1',
    ]);
  });

  it('names the query and Athena’s reason when the query fails', async () => {
    const { client } = fakeAthena({
      states: [{ State: 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved" }],
    });
    const error = await runner(client)
      .query('SELECT nope')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryFailed);
    expect((error as AthenaQueryFailed).message).toBe(
      "Athena query q-1 failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
    );
    expect((error as AthenaQueryFailed).category).toBe(2);
  });

  it('names the workgroup’s bytes-scanned limit when Athena cancels a query at it', async () => {
    const { client } = fakeAthena({
      states: [
        { State: 'RUNNING' },
        { State: 'CANCELLED', StateChangeReason: 'Query exhausted bytes scanned limit', scannedBytes: 1_073_741_824 },
      ],
    });
    const error = await runner(client)
      .query('SELECT * FROM x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaScanLimitExceeded);
    expect((error as Error).message).toContain('bytes-scanned limit of 1024 MiB');
    expect((error as AthenaScanLimitExceeded).scannedBytes).toBe(1_073_741_824);
  });

  it('stops a query still running at the timeout and says so', async () => {
    const { client, sent } = fakeAthena({ states: [{ State: 'RUNNING' }] });
    const error = await runner(client)
      .query('SELECT slow')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryTimedOut);
    expect((error as Error).message).toBe('Athena query q-1 did not finish within 10000 ms and was stopped');
    expect(sent.filter((c) => c instanceof StopQueryExecutionCommand).map((c) => c.input)).toEqual([
      { QueryExecutionId: 'q-1' },
    ]);
  });

  it('gives the shared SQL `database.table` names', () => {
    const { client } = fakeAthena({ states: [] });
    expect(runner(client).tables).toEqual({
      siteSeries: 'hcp_test_iot_telemetry.site_series',
      deviceSeries: 'hcp_test_iot_telemetry.device_series',
      fleetEvents: 'hcp_test_iot_telemetry.fleet_events',
    });
    expect(runner(client).dialect).toBe('athena');
  });
});

describe('the shared history on Athena', () => {
  it('runs the shared SQL on the sink’s tables and hands the use case typed rows', async () => {
    // Prepare: Athena answers one bucket of the power metric
    const { client, sent } = fakeAthena({
      states: [{ State: 'SUCCEEDED' }],
      pages: [
        {
          ResultSetMetadata: {
            ColumnInfo: [
              { Name: 'bucket_ms', Type: 'bigint' },
              { Name: 'samples', Type: 'bigint' },
              { Name: 'site_kw', Type: 'double' },
              { Name: 'limit_kw', Type: 'double' },
            ],
          },
          Rows: [row('bucket_ms', 'samples', 'site_kw', 'limit_kw'), row('1796601600000', '12', '7.25', undefined)],
        },
      ],
    });
    const history: TelemetryQueryRunner = runner(client);
    // Act
    const series = await siteTelemetry(history, 'site-west-1', {
      from: '2026-12-07T00:00:00.000Z',
      to: '2026-12-07T01:00:00.000Z',
      step: 900,
      metric: 'power',
      scenario: 'live',
    });
    // Assess
    const sql = String(sent.find((c) => c instanceof StartQueryExecutionCommand)?.input.QueryString);
    expect(sql).toContain('FROM hcp_test_iot_telemetry.site_series');
    expect(sql).toContain("site = 'site-west-1'");
    expect(sql).toContain("day BETWEEN '2026-12-07' AND '2026-12-07'");
    expect(series.points).toEqual([
      { at: new Date(1796601600000).toISOString(), samples: 12, siteKw: 7.25, limitKw: null },
    ]);
  });
});

describe('the Athena-only text', () => {
  it('refuses a table or database name Glue would not hold, naming which', () => {
    expect(() => athenaTableNames('db', { site: 'Site_Series' })).toThrow('table site must be a lower-case Glue name');
    expect(() => athenaTableNames('db; DROP', { site: 'site_series' })).toThrow(
      'database must be a lower-case Glue name',
    );
  });

  it('reads numbers by column type, keeps a bigint past 2^53 as text and NaN as null', () => {
    expect(parseValue('bigint', '9007199254740993')).toBe('9007199254740993');
    expect(parseValue('decimal(10,2)', '12.30')).toBe(12.3);
    expect(parseValue('double', 'NaN')).toBeNull();
    expect(parseValue('double', 'Infinity')).toBe('Infinity');
    expect(parseValue('varchar', '42')).toBe('42');
    expect(parseValue('integer', undefined)).toBeNull();
  });

  it('reads any double Athena prints back to the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(parseValue('double', String(value))).toBe(value === 0 ? 0 : value);
      }),
    );
  });

  it('drops the header row on the first page only', () => {
    const set = {
      ResultSetMetadata: { ColumnInfo: [{ Name: 'state', Type: 'varchar' }] },
      Rows: [row('state'), row('idle')],
    };
    expect(rowsOfPage(set, true)).toEqual([{ state: 'idle' }]);
    expect(rowsOfPage(set, false)).toEqual([{ state: 'state' }, { state: 'idle' }]);
  });
});
