import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Figures a reliability test measures but does not assert (latencies, counts of retries): written to
 * test-results/reliability-figures.json so RELIABILITY.md can quote the last run. Never a pass/fail criterion.
 */
export const FIGURES_FILE = path.join('test-results', 'reliability-figures.json');

export interface Figure {
  readonly value: number;
  readonly unit: string;
  readonly test: string;
}

export function recordFigure(name: string, value: number, unit: string): void {
  mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  let figures: Record<string, Figure & { readonly at: string }> = {};
  try {
    figures = JSON.parse(readFileSync(FIGURES_FILE, 'utf8'));
  } catch {
    // First figure of the run.
  }
  const test = expect.getState().testPath ?? 'unknown';
  figures[name] = { value, unit, test: path.relative(process.cwd(), test), at: new Date().toISOString() };
  writeFileSync(FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
}

/** Real time spent in `work`, in milliseconds (a figure, not an assertion). */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const started = performance.now();
  const result = await work();
  return { result, elapsedMs: performance.now() - started };
}

/** How often each value occurs, for a test's printed summary. */
export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
