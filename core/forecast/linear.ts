/**
 * Small dense linear algebra for the learned forecasters: ridge regression by normal equations (Cholesky) and
 * L2-regularised logistic regression by Newton steps (IRLS). Feature counts are ~20, so O(p³) solves are trivial.
 */

/** Solves (A) x = b for symmetric positive definite A (row-major p×p) by Cholesky; A is not modified. */
export function solveSpd(matrix: readonly number[], rhs: readonly number[], size: number): number[] {
  const l = new Array<number>(size * size).fill(0);
  for (let i = 0; i < size; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * size + j]!;
      for (let k = 0; k < j; k += 1) sum -= l[i * size + k]! * l[j * size + k]!;
      if (i === j) l[i * size + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * size + j] = sum / l[j * size + j]!;
    }
  }
  const y = new Array<number>(size).fill(0);
  for (let i = 0; i < size; i += 1) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k += 1) sum -= l[i * size + k]! * y[k]!;
    y[i] = sum / l[i * size + i]!;
  }
  const x = new Array<number>(size).fill(0);
  for (let i = size - 1; i >= 0; i -= 1) {
    let sum = y[i]!;
    for (let k = i + 1; k < size; k += 1) sum -= l[k * size + i]! * x[k]!;
    x[i] = sum / l[i * size + i]!;
  }
  return x;
}

export interface LinearModel {
  /** Coefficients on standardised features; index 0 is the intercept. */
  readonly weights: readonly number[];
  readonly means: readonly number[];
  readonly scales: readonly number[];
}

function standardisation(rows: readonly (readonly number[])[], width: number): { means: number[]; scales: number[] } {
  const means = new Array<number>(width).fill(0);
  const scales = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j += 1) means[j]! += row[j]! / rows.length;
  for (const row of rows) for (let j = 0; j < width; j += 1) scales[j]! += (row[j]! - means[j]!) ** 2 / rows.length;
  return { means, scales: scales.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

function design(row: readonly number[], model: Pick<LinearModel, 'means' | 'scales'>): number[] {
  return [1, ...row.map((v, j) => (v - model.means[j]!) / model.scales[j]!)];
}

/** Linear score (before any link) of one feature row. */
export function linearScore(model: LinearModel, row: readonly number[]): number {
  const x = design(row, model);
  let sum = 0;
  for (let j = 0; j < x.length; j += 1) sum += model.weights[j]! * x[j]!;
  return sum;
}

/**
 * Ridge regression on standardised features, intercept unpenalised: minimises Σ wᵢ(yᵢ − xᵢβ)² + λ‖β‖².
 */
export function fitRidge(
  rows: readonly (readonly number[])[],
  targets: readonly number[],
  lambda: number,
  sampleWeights?: readonly number[],
): LinearModel {
  const width = rows[0]?.length ?? 0;
  const { means, scales } = standardisation(rows, width);
  const p = width + 1;
  const gram = new Array<number>(p * p).fill(0);
  const rhs = new Array<number>(p).fill(0);
  rows.forEach((row, r) => {
    const x = design(row, { means, scales });
    const w = sampleWeights?.[r] ?? 1;
    for (let i = 0; i < p; i += 1) {
      rhs[i]! += w * x[i]! * targets[r]!;
      for (let j = 0; j <= i; j += 1) gram[i * p + j]! += w * x[i]! * x[j]!;
    }
  });
  for (let i = 0; i < p; i += 1) {
    for (let j = 0; j < i; j += 1) gram[j * p + i] = gram[i * p + j]!;
    if (i > 0) gram[i * p + i]! += lambda;
  }
  return { weights: solveSpd(gram, rhs, p), means, scales };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * L2-regularised logistic regression by Newton–Raphson (IRLS), intercept unpenalised, at most `iterations` steps
 * (deterministic: no tolerance on time), stopping early once a step is negligible. Each Newton step is halved until the penalised loss falls (a backtracking line search): a full step
 * from far away overshoots on nearly separable data (a rare event a few features pick out, such as a price spike), and
 * undamped it oscillates and diverges.
 */
export function fitLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  lambda: number,
  iterations = 12,
): LinearModel {
  const width = rows[0]?.length ?? 0;
  const { means, scales } = standardisation(rows, width);
  const p = width + 1;
  const xs = rows.map((row) => design(row, { means, scales }));
  const score = (weights: readonly number[], x: readonly number[]) => {
    let z = 0;
    for (let j = 0; j < p; j += 1) z += weights[j]! * x[j]!;
    return z;
  };
  /** Negative log-likelihood plus the penalty. */
  const loss = (weights: readonly number[]) => {
    let sum = 0;
    xs.forEach((x, r) => {
      const z = score(weights, x);
      // log(1 + e^z) − y·z, computed without overflow
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[r]! * z;
    });
    for (let j = 1; j < p; j += 1) sum += (lambda / 2) * weights[j]! ** 2;
    return sum;
  };
  // Start at the base rate so a window without any positive still gives a sensible (tiny) probability.
  const positives = labels.reduce((a, b) => a + b, 0);
  const rate = (positives + 0.5) / (labels.length + 1);
  let weights = new Array<number>(p).fill(0);
  weights[0] = Math.log(rate / (1 - rate));
  let current = loss(weights);
  for (let it = 0; it < iterations; it += 1) {
    const hessian = new Array<number>(p * p).fill(0);
    const gradient = new Array<number>(p).fill(0);
    xs.forEach((x, r) => {
      const prob = sigmoid(score(weights, x));
      const w = Math.max(prob * (1 - prob), 1e-6);
      for (let i = 0; i < p; i += 1) {
        gradient[i]! += (labels[r]! - prob) * x[i]!;
        for (let j = 0; j <= i; j += 1) hessian[i * p + j]! += w * x[i]! * x[j]!;
      }
    });
    for (let i = 0; i < p; i += 1) {
      for (let j = 0; j < i; j += 1) hessian[j * p + i] = hessian[i * p + j]!;
      if (i > 0) {
        hessian[i * p + i]! += lambda;
        gradient[i]! -= lambda * weights[i]!;
      }
    }
    const step = solveSpd(hessian, gradient, p);
    // Converged: a step this small changes no probability.
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
    let accepted = false;
    for (let t = 1; t > 1e-6; t /= 2) {
      const trial = weights.map((w, j) => w + t * step[j]!);
      const trialLoss = loss(trial);
      if (trialLoss <= current) {
        weights = trial;
        current = trialLoss;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
  }
  return { weights, means, scales };
}
