import './local-env.js';
import { parsePlatformArgs } from './platform/options.js';
import { startPlatform } from './platform/start-platform.js';

/** `npm start`: the whole local HCP on this machine; Ctrl-C stops it cleanly. */
async function main(): Promise<void> {
  const options = parsePlatformArgs(process.argv.slice(2));
  const startedMs = Date.now();
  const platform = await startPlatform(options, (line) => console.log(`  ${line}`));
  const { endpoints } = platform;
  console.log(`\nHCP local platform is up (${((Date.now() - startedMs) / 1000).toFixed(1)} s)`);
  console.log(`  API          ${endpoints.api}/v1/health`);
  console.log(`  DynamoDB     ${endpoints.dynamodb}  (AWS_ENDPOINT_URL_DYNAMODB)`);
  console.log(`  MQTT broker  ${endpoints.mqtt}`);
  for (const d of endpoints.devices) {
    console.log(`  ${d.siteId.padEnd(13)}${d.asics} ASICs (first at ${d.firstAsic}), ${d.gpuNodes} GPU nodes`);
  }
  console.log(`  Dispatch     every ${options.dispatchSeconds} s (OptimizeFlow → SwitchFlow per site → gateways)`);
  console.log('\nPress Ctrl-C to stop.');
  // The first dispatch at once, so the sites get a plan without waiting a whole period.
  void platform.dispatchOnce().catch((error: Error) => console.error(`first dispatch failed: ${error.message}`));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await platform.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
