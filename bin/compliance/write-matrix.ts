/**
 * `npm run compliance:matrix`: writes docs/compliance/CONTROL-MATRIX.md from the mapping, the cdk-nag outcomes on the
 * app and the test list; `-- --check` writes nothing and exits 1 when the file is stale. Exit 2 when the mapping or
 * the threat model cites something that does not exist (each problem printed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { MATRIX_FILE, problemsOf, readInputs, renderMatrix } from './matrix.js';
import { appFromCdkJson, nagEvidence } from './nag-evidence.js';

function main(argv: readonly string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0)
    throw new Error(`unknown argument ${unknown[0]}; usage: npm run compliance:matrix [-- --check]`);
  const inputs = readInputs('.', nagEvidence(appFromCdkJson()));
  const problems = problemsOf(inputs);
  for (const problem of problems) console.error(`compliance:matrix: ${problem}`);
  if (problems.length > 0) return 2;
  const matrix = renderMatrix(inputs);
  if (argv.includes('--check')) {
    const stale = readFileSync(MATRIX_FILE, 'utf8') !== matrix;
    console.log(stale ? `${MATRIX_FILE} is stale: run npm run compliance:matrix` : `${MATRIX_FILE} is current`);
    return stale ? 1 : 0;
  }
  writeFileSync(MATRIX_FILE, matrix);
  console.log(`wrote ${MATRIX_FILE}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`compliance:matrix: ${(error as Error).message}`);
  process.exitCode = 2;
}
