/** Small statistics used by the generators, the calibration and the fidelity check. Pure. */

/** Quantile with linear interpolation between order statistics (type 7, the R and NumPy default). */
export function quantile(sorted: readonly number[], probability: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = probability * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function mean(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return values.length === 0 ? Number.NaN : total / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  const m = mean(values);
  let total = 0;
  for (const v of values) total += (v - m) ** 2;
  return Math.sqrt(total / Math.max(values.length - 1, 1));
}

/** Sample autocorrelation at `lag` steps (biased estimator, as in Box & Jenkins). */
export function autocorrelation(values: readonly number[], lag: number): number {
  const m = mean(values);
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - m;
    denominator += d * d;
    if (i >= lag) numerator += d * (values[i - lag]! - m);
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

/** Lengths of the runs of consecutive values above `threshold`. */
export function runLengthsAbove(values: readonly number[], threshold: number): number[] {
  const runs: number[] = [];
  let run = 0;
  for (const v of values) {
    if (v > threshold) run++;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  if (run > 0) runs.push(run);
  return runs;
}

/** Standard normal CDF (Zelen & Severo 26.2.17 via erf, |error| < 7.5e-8). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail =
    density * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-12), 1 - 1e-12);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < low ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A distribution given by its quantile function at knots; values between knots are interpolated linearly. */
export interface QuantileKnots {
  readonly probabilities: readonly number[];
  readonly values: readonly number[];
}

export function quantileFromKnots(knots: QuantileKnots, probability: number): number {
  const { probabilities: ps, values: vs } = knots;
  if (probability <= ps[0]!) return vs[0]!;
  for (let i = 1; i < ps.length; i++) {
    if (probability <= ps[i]!) {
      const w = (probability - ps[i - 1]!) / (ps[i]! - ps[i - 1]!);
      return vs[i - 1]! + w * (vs[i]! - vs[i - 1]!);
    }
  }
  return vs[vs.length - 1]!;
}

/** Solves A·x = b by Gaussian elimination with partial pivoting (A square, small). */
export function solveLinear(matrix: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = matrix.map((row, i) => [...row, rhs[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new Error(`singular system at column ${col}`);
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / p;
      for (let k = col; k <= n; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/** Ordinary least squares through the normal equations; fine for a few dozen well-scaled columns. */
export function leastSquares(rows: readonly (readonly number[])[], targets: readonly number[]): number[] {
  const width = rows[0]?.length ?? 0;
  const xtx = Array.from({ length: width }, () => new Array<number>(width).fill(0));
  const xty = new Array<number>(width).fill(0);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) {
      xty[j]! += row[j]! * targets[i]!;
      for (let k = 0; k < width; k++) xtx[j]![k]! += row[j]! * row[k]!;
    }
  });
  return solveLinear(xtx, xty);
}
