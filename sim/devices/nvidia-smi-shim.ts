/**
 * A stand-in for the `nvidia-smi` binary, for adapters that shell out to it: the same flags, the same output, read
 * from a virtual GPU node over HTTP.
 *
 *   tsx sim/devices/nvidia-smi-shim.ts --endpoint=http://127.0.0.1:PORT \
 *     --query-gpu=index,uuid,name,power.draw,power.limit,utilization.gpu,memory.used,memory.total,temperature.gpu \
 *     --format=csv,noheader,nounits
 *   tsx sim/devices/nvidia-smi-shim.ts --endpoint=... -i 0 -pl 450
 *
 * The endpoint may also come from HCP_NVIDIA_SMI_ENDPOINT. Exit codes follow nvidia-smi: 0 success, 2 invalid
 * argument, 9 when the "driver" (here, the node) cannot be reached.
 */
import { DEFAULT_QUERY_FIELDS } from './gpu/nvidia-smi.js';

interface ShimArgs {
  endpoint?: string;
  queryGpu?: string;
  format?: string;
  index?: string;
  powerLimit?: string;
}

function parse(argv: readonly string[]): ShimArgs | string {
  const out: ShimArgs = { endpoint: process.env.HCP_NVIDIA_SMI_ENDPOINT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
    const consume = () => {
      if (eq < 0) i++;
    };
    if (value === undefined) return `Option ${flag} requires a value.`;
    if (flag === '--endpoint') out.endpoint = value;
    else if (flag === '--query-gpu') out.queryGpu = value;
    else if (flag === '--format') out.format = value;
    else if (flag === '-i' || flag === '--id') out.index = value;
    else if (flag === '-pl' || flag === '--power-limit') out.powerLimit = value;
    else return `Invalid combination of input arguments. Unknown option "${arg}".`;
    consume();
  }
  return out;
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\nPlease run 'nvidia-smi -h' for help.\n`);
    return 2;
  }
  if (!args.endpoint) {
    process.stderr.write('nvidia-smi shim: give --endpoint=http://host:port or set HCP_NVIDIA_SMI_ENDPOINT\n');
    return 2;
  }
  const base = args.endpoint.replace(/\/$/, '');
  const index = args.index === undefined ? '' : `&i=${encodeURIComponent(args.index)}`;
  try {
    const response =
      args.powerLimit !== undefined
        ? await fetch(`${base}/nvidia-smi/power-limit?pl=${encodeURIComponent(args.powerLimit)}${index}`, {
            method: 'POST',
          })
        : await fetch(
            `${base}/nvidia-smi?query-gpu=${encodeURIComponent(args.queryGpu ?? DEFAULT_QUERY_FIELDS.join(','))}` +
              `&format=${encodeURIComponent(args.format ?? 'csv')}${index}`,
          );
    const text = await response.text();
    (response.ok ? process.stdout : process.stderr).write(text);
    return response.ok ? 0 : 2;
  } catch (error) {
    process.stderr.write(
      `NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver (${String(error)}).\n`,
    );
    return 9;
  }
}

main().then((code) => process.exit(code));
