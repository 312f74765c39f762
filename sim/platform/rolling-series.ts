/**
 * Columnar series capped at `maxPoints` (oldest dropped): the shape uPlot draws directly, `{ t: [...], a: [...] }`.
 * Missing values are null so a chart shows a gap instead of a false zero.
 */
export class RollingSeries<K extends string> {
  private readonly columns: Record<'t' | K, Array<number | null>>;

  constructor(
    private readonly keys: readonly K[],
    private readonly maxPoints: number,
  ) {
    this.columns = Object.fromEntries(['t', ...keys].map((k) => [k, []])) as unknown as Record<
      't' | K,
      Array<number | null>
    >;
  }

  /** Appends a point at `tMs`; a point at the same instant as the last replaces it. */
  push(tMs: number, values: Partial<Record<K, number | null>>): void {
    const t = this.columns.t;
    const replace = t.length > 0 && t[t.length - 1] === tMs;
    for (const key of ['t', ...this.keys] as Array<'t' | K>) {
      const value = key === 't' ? tMs : (values[key as K] ?? null);
      const column = this.columns[key];
      if (replace) column[column.length - 1] = value;
      else column.push(value);
      if (column.length > this.maxPoints) column.shift();
    }
  }

  get length(): number {
    return this.columns.t.length;
  }

  last(key: 't' | K): number | null {
    const column = this.columns[key];
    return column.length ? (column[column.length - 1] ?? null) : null;
  }

  toJSON(): Record<'t' | K, Array<number | null>> {
    return this.columns;
  }
}
