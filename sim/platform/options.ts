import { existsSync, statSync } from 'node:fs';
import { z } from 'zod';
import { toFieldIssues } from '../../core/support/validation.js';
import { type CliSpec, flagOf, parseArgs, UsageError } from '../cli/args.js';
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
    /** The address the API and dashboard listen on: loopback unless asked, as the demo keys are printed in the clear. */
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'expected an IPv4 address or a host name')
      .default('127.0.0.1'),
    /**
     * Serve the API and dashboard over HTTPS with a certificate from the platform's local CA (for a phone on the LAN:
     * a service worker and an installed app need a secure context, which plain HTTP is only on localhost).
     */
    tls: z.boolean().default(false),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
    sites: z.coerce.number().int().min(1).max(3).default(3),
    /** `reference`: every group on LuxOS; `mixed`: Pecos West on LuxOS, Braiins OS+ and stock cgminer groups. */
    fleet: z.enum(['reference', 'mixed']).default('reference'),
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
    /** `ercot-replay`: the rebuilt ERCOT API fixtures through the real client and ingestion (sim/market/ercot-replay.ts). */
    market: z.enum(['ercot-replay']).optional(),
    /** Workloads the simulated customers submit per simulated hour (0: none). */
    workloadsPerHour: z.coerce.number().finite().min(0).max(3600).default(60),
    /** Bids the simulated bidders (two tenants) place per simulated hour (0: none). */
    bidsPerHour: z.coerce.number().finite().min(0).max(3600).default(12),
    /** Directory for state kept across restarts; in memory when omitted. */
    data: z.string().min(1).optional(),
  })
  .superRefine((options, ctx) => {
    if (options.prices !== undefined && options.hashprice === undefined)
      ctx.addIssue({ code: 'custom', path: ['hashprice'], message: 'required with --prices' });
    if (options.hashprice !== undefined && options.prices === undefined)
      ctx.addIssue({ code: 'custom', path: ['prices'], message: 'required with --hashprice' });
    if (options.market !== undefined && (options.prices !== undefined || options.scenario !== undefined))
      ctx.addIssue({ code: 'custom', path: ['market'], message: 'not with --prices or --scenario: it is the market' });
    if (options.scenario !== undefined && options.prices !== undefined)
      ctx.addIssue({ code: 'custom', path: ['scenario'], message: 'not with --prices: the real files replace it' });
  });
export type PlatformOptions = z.infer<typeof platformOptionsSchema>;
export type PlatformOptionsInput = z.input<typeof platformOptionsSchema>;

export const platformCli: CliSpec<typeof platformOptionsSchema> = {
  command: 'npm start',
  usage:
    'npm start -- [flags]\n\nThe whole local HCP on this machine (API, dashboard, DynamoDB Local, MQTT broker, gateways, devices).',
  flags: platformOptionsSchema,
  help: {
    port: 'port of the API and dashboard (0: any free one)',
    host: ['ADDR', 'address the API and dashboard listen on (0.0.0.0: every interface)'],
    tls: "serve the API and dashboard over HTTPS, certificate from the platform's local CA (its root: /local/ca.crt)",
    seed: 'seed of the simulated fleet, market and customers',
    sites: 'reference-fleet sites to run, 1 to 3',
    fleet: ['NAME', 'reference (LuxOS everywhere) or mixed (Pecos West on LuxOS, Braiins OS+ and stock cgminer)'],
    asicsPerSite: 'virtual miners per site',
    gpuNodesPerSite: 'virtual GPU nodes per site',
    speed: 'simulated seconds per real second',
    scenario: ['NAME', `synthetic market scenario: ${listScenarios().join(', ')} (default ${DEFAULT_SCENARIO})`],
    prices: ['FILE', 'real 15-minute prices to replay instead of a scenario (with --hashprice)'],
    hashprice: ['FILE', 'real daily hashprice (with --prices)'],
    market: ['SOURCE', 'ercot-replay: replay the rebuilt ERCOT API fixtures through the real ERCOT client'],
    workloadsPerHour: 'workloads the simulated customers submit per simulated hour',
    bidsPerHour: 'bids for flex GPU capacity the simulated bidders (two tenants) place per simulated hour',
    data: ['DIR', 'keep state here across restarts (default: in memory)'],
  },
};

/** Parses `npm start` flags (`--flag value` or `--flag=value`); a mistake is a UsageError naming the flag. */
export function parsePlatformArgs(argv: readonly string[]): PlatformOptions {
  const parsed = parseArgs(platformCli, argv);
  if (parsed === 'help') throw new UsageError('--help is answered by the command, not parsed');
  return parsed.values;
}

/** Validates options given as an object (tests, the e2e run); errors name the flag as on the command line. */
export function platformOptions(input: PlatformOptionsInput | Record<string, string>): PlatformOptions {
  const parsed = platformOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = toFieldIssues(parsed.error)[0]!;
    throw new Error(`${flagOf(issue.field)}: ${issue.message}`);
  }
  return parsed.data;
}

/** Real time between dispatches at this speed. */
export const dispatchEveryRealMs = (options: Pick<PlatformOptions, 'speed'>): number =>
  DISPATCH_EVERY_SIM_MS / options.speed;
