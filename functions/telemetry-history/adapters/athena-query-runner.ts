import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type AthenaRow, athenaTableNames, rowsOfPage } from './athena-results.js';

/** The history's three tables, by what they hold (core/telemetry-history/queries.ts `TableNames`). */
export interface HistoryTableNames {
  readonly siteSeries: string;
  readonly deviceSeries: string;
  readonly fleetEvents: string;
}

export interface AthenaQueryRunnerDeps {
  readonly client: Pick<AthenaClient, 'send'>;
  /** The sink's workgroup: it holds the results location, their encryption and the bytes-scanned cutoff. */
  readonly workGroup: string;
  readonly database: string;
  /** The Glue table of each history table (stacks/constructs/iceberg-telemetry-sink.ts `GLUE_TABLE_NAMES`). */
  readonly glueTables: HistoryTableNames;
  /** The workgroup's cutoff, named in the error of a query it cancels. */
  readonly bytesScannedLimitMb: number;
  /** How long a query may run before it is stopped: under API Gateway's 29 s. @default 25_000 */
  readonly timeoutMs?: number;
  /** The clock and the wait between polls; injected so tests never wait. @default Date.now, setTimeout */
  readonly nowMs?: () => number;
  readonly pause?: (ms: number) => Promise<void>;
}

/** A query Athena could not run: `category` and `type` are Athena's (AthenaError), `reason` its own words. */
export class AthenaQueryFailed extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly reason: string,
    readonly category?: number,
    readonly type?: number,
  ) {
    super(`Athena query ${queryExecutionId} failed: ${reason}`);
    this.name = 'AthenaQueryFailed';
  }
}

/** Athena cancelled the query for scanning more than the workgroup's cutoff: the range is too wide for one query. */
export class AthenaScanLimitExceeded extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly limitMb: number,
    readonly scannedBytes: number | undefined,
    reason: string,
  ) {
    super(
      `Athena query ${queryExecutionId} was cancelled at the workgroup's bytes-scanned limit of ${limitMb} MiB (${reason})`,
    );
    this.name = 'AthenaScanLimitExceeded';
  }
}

/** The query ran past `timeoutMs` and was stopped. */
export class AthenaQueryTimedOut extends Error {
  constructor(
    readonly queryExecutionId: string,
    readonly timeoutMs: number,
  ) {
    super(`Athena query ${queryExecutionId} did not finish within ${timeoutMs} ms and was stopped`);
    this.name = 'AthenaQueryTimedOut';
  }
}

/** Polls start quick (a small query ends in ~1 s) and back off to 2 s. */
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 2000;
/** GetQueryResults' page size limit. */
const PAGE_ROWS = 1000;

/**
 * The telemetry history's queries on Athena (functions/telemetry-history/ports.ts `TelemetryQueryRunner`): start the
 * shared SQL in the sink's workgroup, poll until it ends, and read every result page. A failed query, one cancelled
 * at the bytes-scanned cutoff and one past the timeout each throw their own error, naming the query and the reason.
 */
export class AthenaQueryRunner {
  readonly dialect = 'athena' as const;
  readonly tables: HistoryTableNames;

  constructor(private readonly deps: AthenaQueryRunnerDeps) {
    this.tables = athenaTableNames(deps.database, deps.glueTables);
  }

  async query(sql: string): Promise<AthenaRow[]> {
    const { client, workGroup, database } = this.deps;
    const started = await client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: workGroup,
        QueryExecutionContext: { Database: database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
    await this.finished(id);
    return this.results(id);
  }

  private async finished(id: string): Promise<void> {
    const { client, timeoutMs = 25_000 } = this.deps;
    const now = this.deps.nowMs ?? Date.now;
    const pause = this.deps.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const deadline = now() + timeoutMs;
    for (let wait = FIRST_POLL_MS; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
      const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') throw this.failure(id, execution);
      if (now() >= deadline) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new AthenaQueryTimedOut(id, timeoutMs);
      }
      await pause(wait);
    }
  }

  private failure(id: string, execution: QueryExecution | undefined): Error {
    const status = execution?.Status;
    const reason = status?.StateChangeReason ?? 'no reason given';
    // This runner stops a query only at its own timeout (which throws before polling again): a cancelled query was
    // cancelled by the workgroup's cutoff.
    if (status?.State === 'CANCELLED')
      return new AthenaScanLimitExceeded(
        id,
        this.deps.bytesScannedLimitMb,
        execution?.Statistics?.DataScannedInBytes,
        reason,
      );
    return new AthenaQueryFailed(id, reason, status?.AthenaError?.ErrorCategory, status?.AthenaError?.ErrorType);
  }

  private async results(id: string): Promise<AthenaRow[]> {
    const rows: AthenaRow[] = [];
    let token: string | undefined;
    let firstPage = true;
    do {
      const page = await this.deps.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_ROWS, NextToken: token }),
      );
      rows.push(...rowsOfPage(page.ResultSet, firstPage));
      token = page.NextToken;
      firstPage = false;
    } while (token);
    return rows;
  }
}
