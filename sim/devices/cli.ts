import { systemClock } from '../../core/support/clock.js';
import { devicesUsage, parseDevicesArgs } from './cli-args.js';
import { startVirtualFleet } from './fleet.js';

/** `npm run devices -- --asics N --gpus M [--seed S]`: the virtual fleet in the foreground until Ctrl-C. */
async function main(): Promise<number> {
  const parsed = parseDevicesArgs(process.argv.slice(2));
  if (!parsed.ok) {
    if (parsed.help) {
      process.stdout.write(`${devicesUsage}\n`);
      return 0;
    }
    process.stderr.write(`devices: ${parsed.error}\n\n${devicesUsage}\n`);
    return 2;
  }
  const { options } = parsed;
  const fleet = await startVirtualFleet({
    asics: options.asics,
    gpuNodes: options.gpuNodes,
    gpusPerNode: options.gpusPerNode,
    seed: options.seed,
    site: options.siteId,
    addressing: options.addressing,
    clock: systemClock,
  });
  for (const endpoint of fleet.endpoints) process.stdout.write(`${JSON.stringify(endpoint)}\n`);
  process.stderr.write(`devices: ${fleet.endpoints.length} endpoints up; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await fleet.stop();
  process.stderr.write('devices: stopped\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`devices: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
