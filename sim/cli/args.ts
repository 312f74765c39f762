import path from 'node:path';
import { z } from 'zod';

/**
 * The one argument parser of the project's command-line tools (`npm start`, backtest, gen, devices, the benches,
 * forecast:evaluate, calibrate). A tool declares its flags as a zod object (camelCase keys, `--kebab-case` on the
 * command line; a boolean is a switch that takes no value; `z.coerce` turns the text into numbers) with one help line
 * each. Every tool then behaves the same:
 *   `--flag value` and `--flag=value` alike; `--help` prints the usage and exits 0;
 *   a usage error (unknown flag, missing or bad value) prints `<command>: --flag: reason` and exits 2;
 *   a runtime error prints `<command>: message` and exits 1, with the stack only under `--verbose`.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

// biome-ignore lint/suspicious/noExplicitAny: any zod object, refined or not, is a flag schema.
type FlagSchema = z.ZodObject<any>;

export interface CliSpec<S extends FlagSchema> {
  /** The tool's name, the prefix of every error line: `backtest`, `npm start`. */
  readonly command: string;
  /** How a user runs it (`npm run backtest -- --prices FILE [flags]`), then a sentence on what it does. */
  readonly usage: string;
  readonly flags: S;
  /** One help line per flag; a tuple names the value too (`['FILE', 'fleet JSON']`), else it is N or VALUE. */
  readonly help: { readonly [K in keyof S['shape']]: string | readonly [value: string, help: string] };
  /** Text after the flags: examples, notes. */
  readonly notes?: string;
}

export interface ParsedArgs<S extends FlagSchema> {
  readonly values: z.output<S>;
  readonly verbose: boolean;
}

/** A whole number typed in decimal digits, in a range: stricter than z.coerce (which takes '1e3', ' 7' or ''). */
export const integerFlag = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** The command-line flag of a camelCase key: `asicsPerSite` → `--asics-per-site`. */
export const flagOf = (key: string): string => `--${kebab(key)}`;
const camel = (flag: string): string => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The flag's type under its default/optional wrappers, and its default if it has one. */
function describe(schema: z.ZodType): { type: string; defaultValue?: unknown } {
  let t = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown } };
  let defaultValue: unknown;
  while (t.def.type === 'default' || t.def.type === 'optional' || t.def.type === 'prefault') {
    if (t.def.type === 'default') defaultValue = t.def.defaultValue;
    t = t.def.innerType as typeof t;
  }
  return { type: t.def.type, ...(defaultValue !== undefined ? { defaultValue } : {}) };
}

const isSwitch = (schema: z.ZodType): boolean => describe(schema).type === 'boolean';

/** The usage text `--help` prints. */
export function helpText<S extends FlagSchema>(spec: CliSpec<S>): string {
  const rows: Array<[string, string]> = Object.entries(spec.flags.shape).map(([key, schema]) => {
    const entry = spec.help[key as keyof S['shape']];
    const [value, help] = typeof entry === 'string' ? [undefined, entry] : entry;
    const { type, defaultValue } = describe(schema as z.ZodType);
    const placeholder = type === 'boolean' ? '' : ` ${value ?? (type === 'number' ? 'N' : 'VALUE')}`;
    const shown =
      typeof defaultValue === 'string' && path.isAbsolute(defaultValue)
        ? path.relative('', defaultValue)
        : defaultValue;
    const shownDefault = shown === undefined || shown === false ? '' : ` (default ${shown})`;
    return [`--${kebab(key)}${placeholder}`, `${help}${shownDefault}`];
  });
  rows.push(['--verbose', 'on a runtime error, print its stack too'], ['--help', 'print this text']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`);
  return [`usage: ${spec.usage}`, '', ...lines, ...(spec.notes ? ['', spec.notes] : [])].join('\n');
}

/**
 * Parses argv against the spec: 'help' when `--help`/`-h` is among them, else the validated values. Every mistake is a
 * UsageError whose message starts with the flag at fault.
 */
export function parseArgs<S extends FlagSchema>(spec: CliSpec<S>, argv: readonly string[]): ParsedArgs<S> | 'help' {
  const shape = spec.flags.shape as Record<string, z.ZodType>;
  const takesValue = (arg: string | undefined) => {
    const schema = arg?.startsWith('--') && !arg.includes('=') ? shape[camel(arg.slice(2))] : undefined;
    return schema !== undefined && !isSwitch(schema);
  };
  // Help wins over any mistake around it, unless it is the value of a flag (`--out -h`).
  if (argv.some((arg, i) => (arg === '--help' || arg === '-h') && !takesValue(argv[i - 1]))) return 'help';
  const known = () => [...Object.keys(shape).map((k) => `--${kebab(k)}`), '--verbose', '--help'];
  const raw: Record<string, string | true> = {};
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`${arg}: unexpected argument; flags start with --`);
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (flag === '--verbose' && inline === undefined) {
      verbose = true;
      continue;
    }
    const key = camel(flag.slice(2));
    const schema = shape[key];
    if (schema === undefined || kebab(key) !== flag.slice(2)) {
      throw new UsageError(`${flag}: unknown flag; known: ${known().join(', ')}`);
    }
    if (key in raw) throw new UsageError(`${flag}: given twice`);
    if (isSwitch(schema)) {
      if (inline !== undefined) throw new UsageError(`${flag}: takes no value`);
      raw[key] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`${flag}: needs a value`);
    }
    if (inline === undefined) i++;
    raw[key] = value;
  }
  const parsed = spec.flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const reason = key in shape && raw[key] === undefined && issue.code === 'invalid_type' ? 'required' : issue.message;
    throw new UsageError(key ? `--${kebab(key)}: ${reason}` : reason);
  }
  return { values: parsed.data, verbose };
}

/**
 * Parses process arguments, or ends the process: usage on `--help` (exit 0), one line on a usage error (exit 2). From
 * then on an error nothing catches (a script's top-level await, say) is reported the same way (exit 1).
 */
export function parseArgsOrExit<S extends FlagSchema>(
  spec: CliSpec<S>,
  argv: readonly string[] = process.argv.slice(2),
): ParsedArgs<S> {
  try {
    const parsed = parseArgs(spec, argv);
    if (parsed === 'help') {
      process.stdout.write(`${helpText(spec)}\n`);
      process.exit(0);
    }
    const uncaught = exitOnError(spec.command, parsed.verbose);
    process.on('uncaughtException', uncaught);
    process.on('unhandledRejection', uncaught);
    return parsed;
  } catch (error) {
    return exitOnError(spec.command, argv.includes('--verbose'))(error);
  }
}

const NO_FLAGS = z.strictObject({});
/** A tool that takes no flags of its own (still --help and --verbose). */
export const noFlags = (command: string, usage: string): CliSpec<typeof NO_FLAGS> => ({
  command,
  usage,
  flags: NO_FLAGS,
  help: {},
});

/** A handler that reports an error and ends the process: exit 2 for a usage error, 1 for anything else. */
export function exitOnError(command: string, verbose: boolean): (error: unknown) => never {
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${command}: ${message.split('\n')[0]}\n`);
    if (error instanceof UsageError) {
      process.stderr.write(`(--help lists the flags)\n`);
      process.exit(2);
    }
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  };
}

/**
 * Runs a tool's main with its parsed flags. A number it returns becomes the exit code; a long-running tool (a server)
 * returns once it is up and leaves its own signal handlers to end the process.
 */
export function runCli<S extends FlagSchema>(
  spec: CliSpec<S>,
  main: (values: z.output<S>) => Promise<number | undefined> | Promise<void> | number | undefined | void,
  argv: readonly string[] = process.argv.slice(2),
): void {
  const { values, verbose } = parseArgsOrExit(spec, argv);
  Promise.resolve()
    .then(() => main(values))
    .then(
      (code) => {
        if (typeof code === 'number') process.exitCode = code;
      },
      exitOnError(spec.command, verbose),
    );
}
