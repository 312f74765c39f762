import { parseArgs } from 'node:util';

export const USAGE = `usage:
  npm run gen -- --scenario NAME [--days N] [--seed S] [--out DIR]
  npm run gen -- --compare [--seed S] [--seeds N]
  npm run gen -- --list

  --scenario  one of the files in sim/synthetic/scenarios (see --list)
  --days      length in days (default: the scenario's), 1 to 366
  --seed      integer 0 to 4294967295 (default 1); the same seed gives byte-identical files
  --out       output directory (default out/synthetic/NAME-seedS)
  --compare   print the fidelity table: synthetic vs real HB_SOUTH prices
  --seeds     with --compare: also count passes over seeds 1..N (default 20, 0 to skip)`;

/** A command-line mistake, reported with the flag and value at fault. */
export class UsageError extends Error {
  override name = 'UsageError';
}

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

function integerFlag(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} ${raw}: expected an integer from ${min} to ${max}`);
  }
  return value;
}

/** Parses `npm run gen` arguments; every mistake names its flag. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args: [...argv],
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
    // node's messages name the flag: "Unknown option '--dayz'", "Option '--seed <value>' argument missing".
    throw new UsageError((error as Error).message);
  }
  const text = (name: string) => flags[name] as string | undefined;
  if (flags.help) return { kind: 'help' };
  if (flags.list) return { kind: 'list' };
  const seed = integerFlag('seed', text('seed'), 0, 2 ** 32 - 1);
  if (flags.compare) {
    if (text('scenario') !== undefined) {
      throw new UsageError('--compare takes no --scenario: it compares the calibrated model with the real file');
    }
    return {
      kind: 'compare',
      ...(seed !== undefined ? { seed } : {}),
      seeds: integerFlag('seeds', text('seeds'), 0, 200) ?? 20,
    };
  }
  const scenario = text('scenario');
  if (scenario === undefined) throw new UsageError('--scenario is required (or --compare, --list)');
  if (text('seeds') !== undefined) throw new UsageError('--seeds goes with --compare only');
  const days = integerFlag('days', text('days'), 1, 366);
  const out = text('out');
  return {
    kind: 'generate',
    scenario,
    ...(days !== undefined ? { days } : {}),
    seed: seed ?? 1,
    ...(out !== undefined ? { out } : {}),
  };
}
