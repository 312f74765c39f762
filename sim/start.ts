import './require-node.js';
import './local-env.js';
import { API_ROUTES } from '../functions/api/routes.js';
import { runCli } from './cli/args.js';
import { dispatchEveryRealMs, type PlatformOptions, platformCli } from './platform/options.js';
import { demoKeyLines } from './platform/start/keys.js';
import { type RunningPlatform, startPlatform } from './platform/start-platform.js';

const NOT_BUILT = '(not built yet: the platform runs without it)';
/** How long a stop may take before the process exits regardless. */
const STOP_DEADLINE_MS = 3_000;
const PARENT_CHECK_MS = 500;

function printBanner(platform: RunningPlatform, startupSeconds: number, dispatchEverySeconds: number): void {
  const { endpoints, api, demo } = platform;
  console.log(`\nHCP local platform is up in ${startupSeconds.toFixed(1)} s`);
  console.log(`  Dashboard    ${endpoints.dashboard}`);
  console.log(`  API          ${endpoints.api}/v1/health`);
  console.log(`  OpenAPI      ${api.openapi ? `${endpoints.api}${api.openapi}` : NOT_BUILT}`);
  console.log(`  Workloads    ${api.workloads ? `${endpoints.api}/v1/workloads` : NOT_BUILT}`);
  console.log(`  Operator API ${api.operator ? `${endpoints.api}/v1/sites` : NOT_BUILT}`);
  console.log('  Demo API keys (send as x-api-key; each may call the routes named)');
  for (const line of demoKeyLines(demo, API_ROUTES)) console.log(`    ${line}`);
  console.log(`  Observer     ${endpoints.api}/local/state  (JSON the dashboard draws)`);
  if (platform.tls) {
    const { caFile, caFingerprint, names } = platform.tls;
    console.log(
      `  HTTPS        certificate for ${[...new Set(['localhost', ...names.dns, '127.0.0.1', ...names.ip])].join(', ')}`,
    );
    console.log(
      `  Local CA     ${endpoints.api}/local/ca.crt or ${caFile}: install it on the phone (kept with --data)`,
    );
    console.log(`               SHA-256 ${caFingerprint}`);
  }
  console.log(`  DynamoDB     ${endpoints.dynamodb}  (AWS_ENDPOINT_URL_DYNAMODB)`);
  console.log(`  MQTT broker  ${endpoints.mqtt}  (mutual TLS: a certificate from the platform's CA is required)`);
  console.log(`  Watch it     ${endpoints.mosquittoSub}`);
  for (const d of endpoints.devices) {
    console.log(`  ${d.siteId.padEnd(13)}${d.asics} ASICs (first at ${d.firstAsic}), ${d.gpuNodes} GPU nodes`);
  }
  console.log(`  Market       ${platform.market}, from ${new Date(platform.clock.simStartMs).toISOString()}`);
  console.log(
    `  Clock        ${platform.clock.speed}× real time; dispatch every 5 simulated minutes (${dispatchEverySeconds.toFixed(1)} s)`,
  );
  console.log('\nPress Ctrl-C to stop.');
}

/** `npm start`: the whole local HCP on this machine; Ctrl-C stops it cleanly. */
async function main(options: PlatformOptions): Promise<void> {
  const startedMs = Date.now();
  const platform = await startPlatform(options, (line) => console.log(`  ${line}`));
  printBanner(platform, (Date.now() - startedMs) / 1000, dispatchEveryRealMs(options) / 1000);
  // The first dispatch at once, so the sites get a plan without waiting a whole period.
  void platform.dispatchOnce().catch((error: Error) => console.error(`first dispatch failed: ${error.message}`));

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping…`);
    // A part that does not stop in time does not keep the rest alive: the process exits, and its children
    // (DynamoDB Local's JVM, esbuild) end with it.
    setTimeout(() => {
      console.error(`not stopped within ${STOP_DEADLINE_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await platform.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // The process that started this one (npm, a shell, tsx) is gone: a SIGTERM or SIGKILL to it is not forwarded
  // here, and nothing would stop the platform.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) void shutdown(`parent process ${parentPid} ended`);
  }, PARENT_CHECK_MS).unref();
}

runCli(platformCli, main);
