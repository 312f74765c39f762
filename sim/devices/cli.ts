import { systemClock } from '../../core/support/clock.js';
import { runCli } from '../cli/args.js';
import { devicesCli, devicesOptions } from './cli-args.js';
import { startVirtualFleet } from './fleet.js';

/** `npm run devices -- --asics N --gpus M [--seed S]`: the virtual fleet in the foreground until Ctrl-C. */
runCli(devicesCli, async (values) => {
  const options = devicesOptions(values);
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
});
