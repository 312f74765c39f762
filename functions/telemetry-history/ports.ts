import type { SqlDialect, TableNames } from '../../core/telemetry-history/queries.js';

/** A row as an engine answers it: DuckDB gives numbers and bigints, Athena strings; history.ts reads either. */
export type QueryRow = Readonly<Record<string, unknown>>;

/**
 * Runs the history's SQL (core/telemetry-history/queries.ts) on a store: DuckDB over the local Parquet files
 * (sim/local/telemetry-store.ts), Athena over the AWS sink's Iceberg tables (the Athena adapter). A query the engine
 * refuses (too many bytes scanned, a failed execution) throws, naming the reason.
 */
export interface TelemetryQueryRunner {
  readonly dialect: SqlDialect;
  readonly tables: TableNames;
  /**
   * The gateways' heartbeat period in the records' time: the uptime's slot. @default HEARTBEAT_PERIOD_MS (30 s, the
   * SwitchAgent's `statusPeriodMs`); the local platform's is in simulated ms, where its speed can stretch it.
   */
  readonly heartbeatPeriodMs?: number;
  query(sql: string): Promise<readonly QueryRow[]>;
}
