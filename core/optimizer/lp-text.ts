/**
 * A small builder for CPLEX LP-format text, the input `highs` parses. Lines are wrapped: the wasm HiGHS reader rejects
 * very long lines, so every row is emitted as several lines of at most MAX_LINE_CHARS.
 */
const MAX_LINE_CHARS = 200;

export type RowSense = '<=' | '>=' | '=';

export interface LpVar {
  readonly index: number;
  readonly name: string;
}

interface VarSpec {
  readonly name: string;
  readonly lower: number;
  readonly upper: number;
  objective: number;
  readonly integer: boolean;
}

interface RowSpec {
  readonly terms: ReadonlyArray<readonly [LpVar, number]>;
  readonly sense: RowSense;
  readonly rhs: number;
}

function num(value: number): string {
  // Whole numbers of up to 12 digits print as they are (the common case: unit counts, ±1 coefficients).
  if (Number.isInteger(value) && Math.abs(value) < 1e12) return value === 0 ? '0' : String(value);
  // 12 significant digits keep $ and kW figures exact enough and the text short.
  const rounded = Number(value.toPrecision(12));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export class LpModel {
  private readonly vars: VarSpec[] = [];
  private readonly rows: RowSpec[] = [];
  /** Constant part of the objective: HiGHS' LP reader has no constant term, so it is added back after solving. */
  objectiveConstant = 0;

  addVar(name: string, lower: number, upper: number, objective = 0, integer = false): LpVar {
    this.vars.push({ name, lower, upper, objective, integer });
    return { index: this.vars.length - 1, name };
  }

  addObjective(v: LpVar, coefficient: number): void {
    const spec = this.vars[v.index];
    if (spec) spec.objective += coefficient;
  }

  addRow(terms: ReadonlyArray<readonly [LpVar, number]>, sense: RowSense, rhs: number): void {
    const kept = terms.filter(([, c]) => c !== 0);
    if (kept.length === 0) return;
    this.rows.push({ terms: kept, sense, rhs });
  }

  /** Multiplies the whole objective (and its constant) by `factor`: a scenario's weight in a joint model. */
  scaleObjective(factor: number): void {
    for (const v of this.vars) v.objective *= factor;
    this.objectiveConstant *= factor;
  }

  /**
   * Copies `other`'s variables (renamed with `prefix`), rows and objective (times `objectiveScale`) into this model,
   * and returns the map from `other`'s variables to the copies: how a scenario model joins others (issue 19).
   */
  merge(other: LpModel, prefix: string, objectiveScale = 1): (v: LpVar) => LpVar {
    const offset = this.vars.length;
    for (const v of other.vars)
      this.vars.push({ ...v, name: `${prefix}${v.name}`, objective: v.objective * objectiveScale });
    const copy = (v: LpVar): LpVar => ({ index: offset + v.index, name: this.vars[offset + v.index]!.name });
    for (const row of other.rows) this.rows.push({ ...row, terms: row.terms.map(([v, c]) => [copy(v), c] as const) });
    this.objectiveConstant += other.objectiveConstant * objectiveScale;
    return copy;
  }

  get rowCount(): number {
    return this.rows.length;
  }
  get colCount(): number {
    return this.vars.length;
  }
  get integerCount(): number {
    return this.vars.filter((v) => v.integer).length;
  }

  /** Drops integrality: the LP relaxation of the same model. */
  toText(relax = false): string {
    const out: string[] = ['Maximize'];
    out.push(...wrap(' obj:', linear(this.vars.map((v, i) => [{ index: i, name: v.name }, v.objective] as const))));
    out.push('Subject To');
    this.rows.forEach((row, r) => {
      out.push(...wrap(` r${r}:`, [...linear(row.terms), row.sense, num(row.rhs)]));
    });
    out.push('Bounds');
    for (const v of this.vars) {
      const lower = v.lower === Number.NEGATIVE_INFINITY ? '-inf' : num(v.lower);
      const upper = v.upper === Number.POSITIVE_INFINITY ? '+inf' : num(v.upper);
      out.push(` ${lower} <= ${v.name} <= ${upper}`);
    }
    const integers = relax ? [] : this.vars.filter((v) => v.integer).map((v) => v.name);
    if (integers.length > 0) {
      out.push('General');
      out.push(...wrap('', integers));
    }
    out.push('End');
    return out.join('\n');
  }
}

function linear(terms: ReadonlyArray<readonly [LpVar, number]>): string[] {
  const tokens: string[] = [];
  for (const [v, c] of terms) {
    if (c === 0) continue;
    tokens.push(`${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${v.name}`);
  }
  // An empty objective or row still needs a term for the reader.
  if (tokens.length === 0) tokens.push('0 x_zero');
  return tokens;
}

function wrap(head: string, tokens: readonly string[]): string[] {
  const lines: string[] = [];
  let line = head;
  for (const token of tokens) {
    if (line.length + token.length + 1 > MAX_LINE_CHARS && line.trim() !== '') {
      lines.push(line);
      line = '  ';
    }
    line += ` ${token}`;
  }
  lines.push(line);
  return lines;
}
