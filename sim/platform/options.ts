import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import { toFieldIssues } from '../../core/support/validation.js';
import { listScenarios } from '../synthetic/scenario-files.js';

/** Simulated time between OptimizeFlow runs: the 5-minute schedule of the deployed stack. */
export const DISPATCH_EVERY_SIM_MS = 5 * 60_000;
/** At this speed a dispatch comes every 20 s of real time: often enough to watch, slow enough to follow. */
export const DEFAULT_SPEED = 15;
export const DEFAULT_SCENARIO = 'baseline-week';

const existingFile = z
  .string()
  .min(1)
  .refine((file) => existsSync(file) && statSync(file).isFile(), 'no such file');

/** `npm start` flags; each has a default so `npm start` alone runs the whole thing. */
export const platformOptionsSchema = z
  .strictObject({
    port: z.coerce.number().int().min(0).max(65535).default(3000),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
    sites: z.coerce.number().int().min(1).max(3).default(3),
    asicsPerSite: z.coerce.number().int().min(1).max(5000).default(60),
    gpuNodesPerSite: z.coerce.number().int().min(0).max(64).default(2),
    /** Simulated seconds per real second: market time, plans, gateways and devices all run on this clock. */
    speed: z.coerce.number().finite().min(1).max(3600).default(DEFAULT_SPEED),
    /** A synthetic scenario of sim/synthetic/scenarios; ignored shape when the real files are given. */
    scenario: z
      .string()
      .refine((name) => listScenarios().includes(name), {
        message: `unknown scenario; known: ${listScenarios().join(', ')}`,
      })
      .optional(),
    /** Real 15-minute real-time prices (the layout of sim/data/ercot_hb_south_rt_15min_2024-11_2025-03.csv), replayed instead of a scenario. */
    prices: existingFile.optional(),
    /** Real daily hashprice, with `prices`. */
    hashprice: existingFile.optional(),
    /** Workloads the simulated customers submit per simulated hour (0: none). */
    workloadsPerHour: z.coerce.number().finite().min(0).max(3600).default(60),
    /** Directory for state kept across restarts; in memory when omitted. */
    data: z.string().min(1).optional(),
  })
  .superRefine((options, ctx) => {
    if (options.prices !== undefined && options.hashprice === undefined)
      ctx.addIssue({ code: 'custom', path: ['hashprice'], message: 'required with --prices' });
    if (options.hashprice !== undefined && options.prices === undefined)
      ctx.addIssue({ code: 'custom', path: ['prices'], message: 'required with --hashprice' });
    if (options.scenario !== undefined && options.prices !== undefined)
      ctx.addIssue({ code: 'custom', path: ['scenario'], message: 'not with --prices: the real files replace it' });
  });
export type PlatformOptions = z.infer<typeof platformOptionsSchema>;
export type PlatformOptionsInput = z.input<typeof platformOptionsSchema>;

const FLAG_TO_KEY: Record<string, keyof PlatformOptions> = {
  '--port': 'port',
  '--seed': 'seed',
  '--sites': 'sites',
  '--asics-per-site': 'asicsPerSite',
  '--gpu-nodes-per-site': 'gpuNodesPerSite',
  '--speed': 'speed',
  '--scenario': 'scenario',
  '--prices': 'prices',
  '--hashprice': 'hashprice',
  '--workloads-per-hour': 'workloadsPerHour',
  '--data': 'data',
};
const KEY_TO_FLAG = Object.fromEntries(Object.entries(FLAG_TO_KEY).map(([flag, key]) => [key, flag]));

/** Parses `--flag value` pairs; an unknown flag, a missing value or a bad value is an error naming the flag. */
export function parsePlatformArgs(argv: readonly string[]): PlatformOptions {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const key = FLAG_TO_KEY[flag];
    if (!key) throw new Error(`unknown flag ${flag}; known: ${Object.keys(FLAG_TO_KEY).join(', ')}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    raw[key] = value;
  }
  return platformOptions(raw);
}

/** Validates options given as an object (tests, the e2e run); errors name the flag as on the command line. */
export function platformOptions(input: PlatformOptionsInput | Record<string, string>): PlatformOptions {
  const parsed = platformOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = toFieldIssues(parsed.error)[0]!;
    throw new Error(`${KEY_TO_FLAG[issue.field] ?? issue.field}: ${issue.message}`);
  }
  return parsed.data;
}

/** Real time between dispatches at this speed. */
export const dispatchEveryRealMs = (options: Pick<PlatformOptions, 'speed'>): number =>
  DISPATCH_EVERY_SIM_MS / options.speed;
