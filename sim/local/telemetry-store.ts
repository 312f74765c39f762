import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { TableNames } from '../../core/telemetry-history/queries.js';
import {
  type ColumnType,
  PARTITION_COLUMNS,
  TELEMETRY_TABLES,
  type TelemetryRecord,
  type TelemetryTable,
} from '../../core/telemetry-history/records.js';
import type { QueryRow, TelemetryQueryRunner } from '../../functions/telemetry-history/ports.js';

/** Directory (and DuckDB view) of each table under the store's root. */
export const LOCAL_TABLES: TableNames = {
  siteSeries: 'site_series',
  deviceSeries: 'device_series',
  fleetEvents: 'fleet_events',
};

/** Rows buffered per table before a write is forced (the timer writes the rest). */
const MAX_BUFFERED_ROWS = 20_000;
const TMP_SUFFIX = '.tmp';

function sqlValue(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return 'NULL';
  if (type === 'VARCHAR') return `'${String(value).replaceAll("'", "''")}'`;
  if (type === 'BOOLEAN') return value ? 'TRUE' : 'FALSE';
  const n = Number(value);
  if (!Number.isFinite(n)) return 'NULL';
  return type === 'BIGINT' ? String(Math.round(n)) : String(n);
}

/** Files of a table, read with their partitions from the directory names. */
function filesGlob(root: string, dir: string): string {
  return path.join(root, dir, '*', '*', '*.parquet');
}

function hasFiles(root: string, dir: string): boolean {
  const top = path.join(root, dir);
  try {
    return readdirSync(top).some((site) =>
      readdirSync(path.join(top, site)).some((day) =>
        readdirSync(path.join(top, site, day)).some((f) => f.endsWith('.parquet')),
      ),
    );
  } catch {
    return false;
  }
}

/**
 * The local platform's telemetry history: the records of core/telemetry-history/records.ts written as Parquet files
 * in Hive-style partitions (`<table>/site=…/day=…/part-….parquet`) under `root`, through DuckDB's built-in Parquet
 * (no extension, nothing downloaded), and read back by the same engine for the history queries.
 *
 * Writes are batched: `append` buffers, `flush` (on a timer, past MAX_BUFFERED_ROWS, and at close) writes one file per
 * table and partition. Each file is written under a `.tmp` name and renamed into place, so a reader (whose glob is
 * `*.parquet`) never sees half a file, and a crash leaves at most a `.tmp` that the next open deletes. A record lands
 * in its own day's partition whenever it arrives, so a gateway's spool replayed a day late is stored as any other.
 */
export class ParquetTelemetryStore implements TelemetryQueryRunner {
  readonly dialect = 'duckdb' as const;
  readonly tables = LOCAL_TABLES;
  private readonly buffers = new Map<TelemetryTable, TelemetryRecord<TelemetryTable>[]>();
  /** One statement at a time on the connection, writes and reads alike. */
  private queue: Promise<unknown> = Promise.resolve();
  private files = 0;
  private timer?: NodeJS.Timeout;

  private constructor(
    readonly root: string,
    readonly heartbeatPeriodMs: number | undefined,
    private readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
  ) {}

  /** Opens (or creates) the store at `root`, deleting half-written files a crash left. */
  static async open(
    root: string,
    options: {
      readonly flushEveryRealMs?: number;
      /** The gateways' heartbeat period in the records' (simulated) time, for the uptime: see TelemetryQueryRunner. */
      readonly heartbeatPeriodMs?: number;
    } = {},
  ): Promise<ParquetTelemetryStore> {
    mkdirSync(root, { recursive: true });
    removeHalfWritten(root);
    const instance = await DuckDBInstance.create(':memory:');
    const store = new ParquetTelemetryStore(root, options.heartbeatPeriodMs, await instance.connect(), instance);
    if (options.flushEveryRealMs) {
      store.timer = setInterval(() => void store.flush().catch(() => {}), options.flushEveryRealMs);
      store.timer.unref();
    }
    return store;
  }

  append<T extends TelemetryTable>(table: T, records: readonly TelemetryRecord<T>[]): void {
    const buffer = this.buffers.get(table) ?? [];
    buffer.push(...records);
    this.buffers.set(table, buffer);
    if (buffer.length >= MAX_BUFFERED_ROWS) void this.flush().catch(() => {});
  }

  /** Writes every buffered record; resolves once they are readable. */
  flush(): Promise<void> {
    const pending = [...this.buffers.entries()].filter(([, rows]) => rows.length > 0);
    this.buffers.clear();
    return this.serial(async () => {
      for (const [table, rows] of pending) await this.write(table, rows);
    });
  }

  async query(sql: string): Promise<readonly QueryRow[]> {
    return this.serial(async () => {
      for (const table of Object.keys(TELEMETRY_TABLES) as TelemetryTable[]) await this.defineView(table);
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as QueryRow[];
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.serial(async () => {
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  /** One file per partition: staged in a temporary table, copied to `.tmp`, renamed into place. */
  private async write(table: TelemetryTable, rows: readonly TelemetryRecord<TelemetryTable>[]): Promise<void> {
    const columns = Object.entries(TELEMETRY_TABLES[table]) as [string, ColumnType][];
    const byPartition = new Map<string, TelemetryRecord<TelemetryTable>[]>();
    for (const row of rows) {
      const key = path.join(`site=${row.site}`, `day=${row.day}`);
      const partition = byPartition.get(key);
      if (partition) partition.push(row);
      else byPartition.set(key, [row]);
    }
    const staging = `staging_${table}`;
    const ddl = columns.map(([name, type]) => `${name} ${type}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${staging} (${ddl})`);
    for (const [partition, partRows] of byPartition) {
      const values = partRows
        .map(
          (row) =>
            `(${columns.map(([name, type]) => sqlValue((row as unknown as Record<string, unknown>)[name], type)).join(', ')})`,
        )
        .join(',\n');
      await this.connection.run(`DELETE FROM ${staging}`);
      await this.connection.run(`INSERT INTO ${staging} VALUES ${values}`);
      const dir = path.join(this.root, LOCAL_TABLES[table], partition);
      mkdirSync(dir, { recursive: true });
      this.files += 1;
      const file = path.join(dir, `part-${Date.now()}-${process.pid}-${this.files}.parquet`);
      await this.connection.run(`COPY ${staging} TO '${file}${TMP_SUFFIX}' (FORMAT parquet)`);
      renameSync(`${file}${TMP_SUFFIX}`, file);
    }
  }

  /** The table's view over its files, or an empty relation of its columns before the first file. */
  private async defineView(table: TelemetryTable): Promise<void> {
    const dir = LOCAL_TABLES[table];
    const columns = { ...TELEMETRY_TABLES[table], ...PARTITION_COLUMNS } as Record<string, ColumnType>;
    const hiveTypes = Object.entries(PARTITION_COLUMNS)
      .map(([name, type]) => `'${name}': ${type}`)
      .join(', ');
    const source = hasFiles(this.root, dir)
      ? `SELECT * FROM read_parquet('${filesGlob(this.root, dir)}', hive_partitioning = true, hive_types = {${hiveTypes}}, union_by_name = true)`
      : `SELECT ${Object.entries(columns)
          .map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`)
          .join(', ')} WHERE FALSE`;
    await this.connection.run(`CREATE OR REPLACE TEMP VIEW ${dir} AS ${source}`);
  }
}

function removeHalfWritten(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removeHalfWritten(full);
    else if (entry.name.endsWith(TMP_SUFFIX)) rmSync(full);
  }
}
