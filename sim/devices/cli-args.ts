import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { type CliSpec, integerFlag, parseArgs } from '../cli/args.js';

const siteIds = referenceFleet.sites.map((s) => s.id) as [string, ...string[]];

const devicesFlags = z.strictObject({
  asics: integerFlag(0, 20_000).default(10),
  gpus: integerFlag(0, 1_000).default(1),
  gpusPerNode: integerFlag(1, 8).default(8),
  seed: integerFlag(0, 2 ** 32 - 1).default(1),
  site: z.enum(siteIds).default(siteIds[0]),
  addressing: z.enum(['ports', 'loopback']).default('ports'),
});

export const devicesCli: CliSpec<typeof devicesFlags> = {
  command: 'devices',
  usage: `npm run devices -- --asics N --gpus M [flags]

The virtual fleet in the foreground: prints one JSON line per endpoint; Ctrl-C stops.`,
  flags: devicesFlags,
  help: {
    asics: 'virtual miners (cgminer/LuxOS API over TCP)',
    gpus: ['M', 'virtual GPU nodes (HTTP: OpenAI shape, nvidia-smi, /metrics)'],
    gpusPerNode: ['K', 'GPUs per node'],
    seed: ['S', 'inventory and noise seed'],
    site: ['ID', `reference-fleet site: ${siteIds.join(', ')}`],
    addressing: ['A', 'ports: 127.0.0.1 with a port each; loopback: 127.10.x.y:4028 each'],
  },
};

export interface DevicesCliOptions {
  readonly asics: number;
  readonly gpuNodes: number;
  readonly gpusPerNode: number;
  readonly seed: number;
  readonly siteId: string;
  readonly addressing: 'ports' | 'loopback';
}

/** The fleet's options from the parsed flags. */
export function devicesOptions(values: z.output<typeof devicesFlags>): DevicesCliOptions {
  const { gpus, site, ...rest } = values;
  return { ...rest, gpuNodes: gpus, siteId: site };
}

/** Parses `npm run devices` flags (`--flag value` or `--flag=value`); a mistake is a UsageError naming the flag. */
export function parseDevicesArgs(argv: readonly string[]): DevicesCliOptions | 'help' {
  const parsed = parseArgs(devicesCli, argv);
  return parsed === 'help' ? 'help' : devicesOptions(parsed.values);
}
