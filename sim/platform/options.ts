import { z } from 'zod';
import { toFieldIssues } from '../../core/support/validation.js';

/** `npm start` flags; each has a default so `npm start` alone runs the whole thing. */
export const platformOptionsSchema = z.strictObject({
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
  /** Real seconds between dispatch runs (5-minute intervals in AWS). */
  dispatchSeconds: z.coerce.number().int().min(5).max(3600).default(30),
  /** Directory for state kept across restarts; in memory when omitted. */
  data: z.string().min(1).optional(),
});
export type PlatformOptions = z.infer<typeof platformOptionsSchema>;

const FLAG_TO_KEY: Record<string, keyof PlatformOptions> = {
  '--port': 'port',
  '--seed': 'seed',
  '--sites': 'sites',
  '--asics-per-site': 'asicsPerSite',
  '--gpu-nodes-per-site': 'gpuNodesPerSite',
  '--dispatch-seconds': 'dispatchSeconds',
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
  const parsed = platformOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = toFieldIssues(parsed.error)[0]!;
    throw new Error(`${KEY_TO_FLAG[issue.field] ?? issue.field}: ${issue.message}`);
  }
  return parsed.data;
}
