import { referenceFleet } from '../../core/fleet/reference-fleet.js';

export interface DevicesCliOptions {
  readonly asics: number;
  readonly gpuNodes: number;
  readonly gpusPerNode: number;
  readonly seed: number;
  readonly siteId: string;
  readonly addressing: 'ports' | 'loopback';
}

export type CliParse =
  | { readonly ok: true; readonly options: DevicesCliOptions }
  | { readonly ok: false; readonly help: true }
  | { readonly ok: false; readonly help: false; readonly error: string };

export const devicesUsage = `Usage: npm run devices -- --asics N --gpus M [--seed S] [--site ID] [--gpus-per-node K] [--addressing ports|loopback]

  --asics N          virtual miners (cgminer/LuxOS API over TCP)                 default 10
  --gpus M           virtual GPU nodes (HTTP: OpenAI shape, nvidia-smi, /metrics) default 1
  --gpus-per-node K  GPUs per node                                               default 8
  --seed S           inventory and noise seed                                    default 1
  --site ID          reference-fleet site: ${referenceFleet.sites.map((s) => s.id).join(', ')}
  --addressing A     ports: 127.0.0.1 with a port each; loopback: 127.10.x.y:4028 each
Prints one JSON line per endpoint; Ctrl-C stops.`;

const INTEGER_FLAGS = {
  '--asics': { key: 'asics', min: 0, max: 20_000 },
  '--gpus': { key: 'gpuNodes', min: 0, max: 1_000 },
  '--gpu-nodes': { key: 'gpuNodes', min: 0, max: 1_000 },
  '--gpus-per-node': { key: 'gpusPerNode', min: 1, max: 8 },
  '--seed': { key: 'seed', min: 0, max: 2 ** 32 - 1 },
} as const;

/** `--flag value` or `--flag=value`; every error names the flag. */
export function parseDevicesArgs(argv: readonly string[]): CliParse {
  const options: { -readonly [K in keyof DevicesCliOptions]: DevicesCliOptions[K] } = {
    asics: 10,
    gpuNodes: 1,
    gpusPerNode: 8,
    seed: 1,
    siteId: referenceFleet.sites[0]!.id,
    addressing: 'ports',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { ok: false, help: true };
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = inline ?? argv[i + 1];
    const takeValue = () => {
      if (inline === undefined) i++;
    };
    if (flag in INTEGER_FLAGS) {
      const spec = INTEGER_FLAGS[flag as keyof typeof INTEGER_FLAGS];
      if (value === undefined || value.startsWith('--')) return error(`${flag} needs a value`);
      if (!/^\d+$/.test(value) || Number(value) < spec.min || Number(value) > spec.max) {
        return error(`${flag} must be an integer from ${spec.min} to ${spec.max}, got '${value}'`);
      }
      options[spec.key] = Number(value);
      takeValue();
    } else if (flag === '--site') {
      if (value === undefined || value.startsWith('--')) return error('--site needs a value');
      if (!referenceFleet.sites.some((s) => s.id === value)) {
        return error(`--site must be one of ${referenceFleet.sites.map((s) => s.id).join(', ')}, got '${value}'`);
      }
      options.siteId = value;
      takeValue();
    } else if (flag === '--addressing') {
      if (value !== 'ports' && value !== 'loopback')
        return error(`--addressing must be ports or loopback, got '${value}'`);
      options.addressing = value;
      takeValue();
    } else {
      return error(`unknown flag '${arg}'`);
    }
  }
  return { ok: true, options };
}

function error(message: string): CliParse {
  return { ok: false, help: false, error: message };
}
