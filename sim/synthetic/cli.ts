import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCalibration } from './calibration-file.js';
import { fakerNameSource } from './faker-names.js';
import { FIDELITY_SEED, fidelityReport, formatFidelityReport } from './fidelity-check.js';
import { generateScenarioFiles } from './generate.js';
import { listScenarios, loadScenario, ScenarioError } from './scenario-files.js';

const USAGE = `usage:
  npm run gen -- --scenario NAME [--days N] [--seed S] [--out DIR]
  npm run gen -- --compare [--seed S] [--seeds N]
  npm run gen -- --list

  --scenario  one of the files in sim/synthetic/scenarios (see --list)
  --days      length in days (default: the scenario's), up to 366
  --seed      non-negative integer (default 1); the same seed gives byte-identical files
  --out       output directory (default out/synthetic/NAME-seedS)
  --compare   print the fidelity table: synthetic vs real HB_SOUTH prices
  --seeds     with --compare: also count passes over seeds 1..N (default 20, 0 to skip)`;

/** A command-line mistake, reported with the flag and value at fault and the usage. */
export class UsageError extends Error {}

function integerFlag(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} ${raw}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
        seeds: { type: 'string' },
        out: { type: 'string' },
        compare: { type: 'boolean' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // node's messages already name the flag: "Unknown option '--dayz'".
    throw new UsageError((error as Error).message);
  }
}

export function main(argv: string[]): void {
  const flags = parse(argv);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  if (flags.list) {
    console.log(listScenarios().join('\n'));
    return;
  }
  const seed = integerFlag('seed', flags.seed, 0, 2 ** 32 - 1);
  if (flags.compare) {
    if (flags.scenario)
      throw new UsageError('--compare takes no --scenario: it compares the calibrated model with the real file');
    const seeds = integerFlag('seeds', flags.seeds, 0, 200) ?? 20;
    console.log(formatFidelityReport(fidelityReport(loadCalibration(), seed ?? FIDELITY_SEED, seeds)));
    return;
  }
  if (!flags.scenario) throw new UsageError('--scenario is required (or --compare, --list)');
  const scenario = loadScenario(flags.scenario);
  const days = integerFlag('days', flags.days, 1, 366) ?? scenario.days;
  const chosenSeed = seed ?? 1;
  const outDir = path.resolve(flags.out ?? path.join('out', 'synthetic', `${scenario.name}-seed${chosenSeed}`));
  const started = Date.now();
  const result = generateScenarioFiles({
    scenario,
    calibration: loadCalibration(),
    seed: chosenSeed,
    days,
    outDir,
    names: fakerNameSource(chosenSeed),
    onProgress: (stage, done, total) =>
      process.stderr.write(`  ${stage}: ${Math.round((100 * done) / total)}% (${done}/${total})\n`),
  });
  console.log(`${scenario.name}: ${days} days, seed ${chosenSeed} -> ${path.relative(process.cwd(), outDir) || '.'}`);
  for (const [file, lines] of Object.entries(result.files)) console.log(`  ${file.padEnd(22)} ${lines} lines`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1]?.endsWith(path.join('synthetic', 'cli.ts'))) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof ScenarioError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}
