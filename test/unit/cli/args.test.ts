import fc from 'fast-check';
import { z } from 'zod';
import { type CliSpec, flagOf, helpText, parseArgs, UsageError } from '../../../sim/cli/args.js';

const flags = z.strictObject({
  stepMinutes: z.coerce.number().int().positive().default(15),
  out: z.string().min(1).default('backtest-out'),
  mode: z.enum(['fast', 'exact']).optional(),
  prices: z.string().min(1),
  dryRun: z.boolean().default(false),
});
const spec: CliSpec<typeof flags> = {
  command: 'tool',
  usage: 'tool --prices FILE [flags]',
  flags,
  help: {
    stepMinutes: 'dispatch interval',
    out: ['DIR', 'output directory'],
    mode: 'solver mode',
    prices: ['FILE', 'price CSV'],
    dryRun: 'plan only',
  },
};

const usageError = (argv: string[]): string => {
  try {
    parseArgs(spec, argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('command-line arguments', () => {
  it('fills defaults, coerces numbers and reads switches', () => {
    // Act
    const parsed = parseArgs(spec, ['--prices', 'p.csv', '--step-minutes=5', '--dry-run', '--verbose']);
    // Assess
    expect(parsed).toEqual({
      values: { stepMinutes: 5, out: 'backtest-out', prices: 'p.csv', dryRun: true },
      verbose: true,
    });
  });

  it('answers --help before looking at anything else', () => {
    expect(parseArgs(spec, ['--nonsense', '--help'])).toBe('help');
    expect(parseArgs(spec, ['-h'])).toBe('help');
  });

  it.each([
    [['--prices', 'p', '--colour', 'red'], /^--colour: unknown flag; known: --step-minutes, --out, --mode, --prices/],
    [['--prices'], /^--prices: needs a value$/],
    [['--prices', '--out', 'x'], /^--prices: needs a value$/],
    [[], /^--prices: required$/],
    [['--prices', 'p', '--step-minutes', 'ten'], /^--step-minutes: /],
    [['--prices', 'p', '--step-minutes', '0'], /^--step-minutes: /],
    [['--prices', 'p', '--mode', 'slow'], /^--mode: .*fast/],
    [['--prices', 'p', '--dry-run=yes'], /^--dry-run: takes no value$/],
    [['--prices', 'p', '--out', 'a', '--out=b'], /^--out: given twice$/],
    [['--prices', 'p', 'extra'], /^extra: unexpected argument/],
    [['--prices', 'p', '--stepMinutes', '5'], /^--stepMinutes: unknown flag/],
  ])('refuses %j naming the flag', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it('lists every flag with its value, default and help', () => {
    // Act
    const help = helpText(spec);
    // Assess
    expect(help).toMatch(/^usage: tool --prices FILE \[flags\]/);
    expect(help).toMatch(/--step-minutes N +dispatch interval \(default 15\)/);
    expect(help).toMatch(/--out DIR +output directory \(default backtest-out\)/);
    expect(help).toMatch(/--dry-run +plan only\n/);
    expect(help).toMatch(/--verbose/);
  });

  it('parses any declared flag the same given as --f=v or --f v', () => {
    // Prepare: any text, '-h' and '=' included, but not '--…', which in the spaced form reads as the next flag.
    const value = fc
      .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('-h', 'a=b', '-5', ' '))
      .filter((v) => !v.startsWith('--'));
    const key = fc.constantFrom('out', 'prices', 'stepMinutes', 'mode');
    fc.assert(
      fc.property(key, value, (k, v) => {
        const other = k === 'prices' ? ['--out', 'o'] : ['--prices', 'p'];
        const outcome = (argv: string[]) => {
          try {
            return parseArgs(spec, argv);
          } catch (error) {
            return (error as Error).message;
          }
        };
        // Act / Assess
        expect(outcome([...other, `${flagOf(k)}=${v}`])).toEqual(outcome([...other, flagOf(k), v]));
      }),
    );
  });
});
