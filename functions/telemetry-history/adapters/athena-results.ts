import type { ColumnInfo, ResultSet } from '@aws-sdk/client-athena';

/**
 * The Athena-only text of the telemetry history: table names as the shared SQL (core/telemetry-history/queries.ts)
 * takes them, and Athena's result pages read back into rows.
 *
 * No partition projection: it is a Hive-table feature. The history's tables are Iceberg tables, whose manifests carry
 * each data file's `site` and `day`, so Athena prunes by them with the same `site = … AND day BETWEEN …` predicates
 * DuckDB prunes its Hive directories with.
 */

/** A row as the history reads it: numbers, booleans and strings by column type; SQL NULL as null. */
export type AthenaRow = Record<string, number | boolean | string | null>;

const GLUE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * `database.table` for each history table: Glue names are lower case, and an unquoted name keeps the shared SQL free
 * of either engine's quoting. A name Glue would not have refused here, rather than inside a query string.
 */
export function athenaTableNames<K extends string>(
  database: string,
  tables: Readonly<Record<K, string>>,
): Record<K, string> {
  const checked = (what: string, name: string) => {
    if (!GLUE_NAME.test(name))
      throw new RangeError(`${what} must be a lower-case Glue name, got ${JSON.stringify(name)}`);
    return name;
  };
  return Object.fromEntries(
    Object.entries<string>(tables).map(([key, table]) => [
      key,
      `${checked('database', database)}.${checked(`table ${key}`, table)}`,
    ]),
  ) as Record<K, string>;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'real', 'float', 'double', 'decimal']);

/** One value as Athena sends it (text, absent for NULL), as its column's type. */
export function parseValue(type: string, text: string | undefined): number | boolean | string | null {
  if (text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*\)$/, '');
  if (NUMERIC.has(base)) {
    const value = Number(text);
    // NaN and ±Infinity come back as words; a bigint past 2^53 would lose digits as a number.
    if (!Number.isFinite(value)) return text === 'NaN' ? null : text;
    if (base === 'bigint' && !Number.isSafeInteger(value)) return text;
    return value;
  }
  if (base === 'boolean') return text === 'true';
  return text;
}

/**
 * The rows of one GetQueryResults page. The first page of a SELECT starts with the header row (the column names
 * again): `firstPage` drops it.
 */
export function rowsOfPage(resultSet: ResultSet | undefined, firstPage: boolean): AthenaRow[] {
  const columns: ColumnInfo[] = resultSet?.ResultSetMetadata?.ColumnInfo ?? [];
  const rows = resultSet?.Rows ?? [];
  return rows.slice(firstPage ? 1 : 0).map((row) => {
    const out: AthenaRow = {};
    columns.forEach((column, i) => {
      const name = column.Name ?? `_col${i}`;
      out[name] = parseValue(column.Type ?? 'varchar', row.Data?.[i]?.VarCharValue);
    });
    return out;
  });
}
