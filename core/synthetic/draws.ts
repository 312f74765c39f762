import { normal, type Rng, seededRng } from '../support/random.js';

/**
 * A child seed per named stream (FNV-1a of the label mixed with the seed), so each generator owns its random stream:
 * adding draws to the workload generator does not move a single price.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0;
}

export function streamRng(seed: number, label: string): Rng {
  return seededRng(deriveSeed(seed, label));
}

export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Poisson count (Knuth for small means, a rounded normal above 30: adequate for arrival counts). */
export function poisson(rng: Rng, expected: number): number {
  if (expected <= 0) return 0;
  if (expected > 30) return Math.max(0, Math.round(expected + Math.sqrt(expected) * normal(rng)));
  const limit = Math.exp(-expected);
  let count = 0;
  let product = rng.next();
  while (product > limit) {
    count++;
    product *= rng.next();
  }
  return count;
}

export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng));
}

/** Picks an index with probability proportional to its weight. */
export function weightedIndex(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** One step of a discretised Ornstein–Uhlenbeck (AR(1)) process with stationary standard deviation `sd`. */
export function ouStep(rng: Rng, value: number, phi: number, sd: number): number {
  return phi * value + sd * Math.sqrt(Math.max(0, 1 - phi * phi)) * normal(rng);
}
