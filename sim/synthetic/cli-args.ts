import { z } from 'zod';
import { type CliSpec, integerFlag, parseArgs, UsageError } from '../cli/args.js';
import { listScenarios } from './scenario-files.js';

export { UsageError };

const genFlags = z.strictObject({
  scenario: z.string().min(1).optional(),
  days: integerFlag(1, 366).optional(),
  seed: integerFlag(0, 2 ** 32 - 1).optional(),
  out: z.string().min(1).optional(),
  compare: z.boolean().default(false),
  seeds: integerFlag(0, 200).optional(),
  list: z.boolean().default(false),
});

export const genCli: CliSpec<typeof genFlags> = {
  command: 'gen',
  usage: `npm run gen -- --scenario NAME [--days N] [--seed S] [--out DIR]
       npm run gen -- --compare [--seed S] [--seeds N]
       npm run gen -- --list

Writes a synthetic market and fleet scenario as files, or compares the calibrated model with the real prices.`,
  flags: genFlags,
  help: {
    scenario: ['NAME', 'one of the files in sim/synthetic/scenarios (see --list)'],
    days: "length in days, 1 to 366 (default: the scenario's)",
    seed: ['S', 'integer 0 to 4294967295 (default 1); the same seed gives byte-identical files'],
    out: ['DIR', 'output directory (default out/synthetic/NAME-seedS)'],
    compare: 'print the fidelity table: synthetic vs real HB_SOUTH prices',
    seeds: 'with --compare: also count passes over seeds 1..N (default 20, 0 to skip)',
    list: 'list the scenarios',
  },
};

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'compare'; readonly seed?: number; readonly seeds: number }
  | {
      readonly kind: 'generate';
      readonly scenario: string;
      readonly days?: number;
      readonly seed: number;
      readonly out?: string;
    };

/** Parses `npm run gen` arguments into one of its commands; every mistake is a UsageError naming its flag. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const parsed = parseArgs(genCli, argv);
  if (parsed === 'help') return { kind: 'help' };
  const { scenario, days, seed, seeds, out, compare, list } = parsed.values;
  if (list) return { kind: 'list' };
  if (compare) {
    if (scenario !== undefined) {
      throw new UsageError('--compare: takes no --scenario: it compares the calibrated model with the real file');
    }
    return { kind: 'compare', ...(seed !== undefined ? { seed } : {}), seeds: seeds ?? 20 };
  }
  if (scenario === undefined) throw new UsageError('--scenario: required (or --compare, --list)');
  if (!listScenarios().includes(scenario)) {
    throw new UsageError(`--scenario: unknown "${scenario}"; known: ${listScenarios().join(', ')}`);
  }
  if (seeds !== undefined) throw new UsageError('--seeds: goes with --compare only');
  return {
    kind: 'generate',
    scenario,
    ...(days !== undefined ? { days } : {}),
    seed: seed ?? 1,
    ...(out !== undefined ? { out } : {}),
  };
}
