/** A CSV problem located by line (1-based, header is line 1) and column, so a user can fix the file. */
export class CsvFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: string,
    readonly problem: string,
  ) {
    super(`${source}: line ${line}, column "${column}": ${problem}`);
    this.name = 'CsvFormatError';
  }
}

export interface CsvTable {
  readonly header: readonly string[];
  /** Each row with its 1-based line number in the file. */
  readonly rows: ReadonlyArray<{ readonly line: number; readonly cells: readonly string[] }>;
}

/** Plain comma-separated text without quoted commas (what market data exports use). Blank lines are skipped. */
export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/);
  const headerLine = lines[0]?.replace(/^\uFEFF/, '') ?? '';
  if (headerLine.trim() === '') throw new CsvFormatError(source, 1, '(header)', 'the file is empty');
  const header = headerLine.split(',').map((h) => h.trim());
  const rows: Array<{ line: number; cells: string[] }> = [];
  lines.slice(1).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((c) => c.trim());
    const line = index + 2;
    if (cells.length !== header.length) {
      throw new CsvFormatError(source, line, '(row)', `expected ${header.length} cells, found ${cells.length}`);
    }
    rows.push({ line, cells });
  });
  return { header, rows };
}

export function columnIndex(table: CsvTable, column: string, source: string): number {
  const index = table.header.indexOf(column);
  if (index < 0) {
    throw new CsvFormatError(source, 1, column, `missing column; the header has: ${table.header.join(', ')}`);
  }
  return index;
}

export function numberCell(
  cells: readonly string[],
  index: number,
  at: { source: string; line: number; column: string },
): number {
  const raw = cells[index] ?? '';
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) {
    throw new CsvFormatError(at.source, at.line, at.column, `"${raw}" is not a number`);
  }
  return value;
}
