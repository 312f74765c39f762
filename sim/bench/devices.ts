/**
 * `npm run bench:devices`: how many virtual miners one process serves, and `summary` requests per second against
 * 1,000 of them, beside a baseline measured in the same run (a bare TCP server answering a reply of the same size
 * with no work). Client and servers share this one process, as they share the machine in the local platform.
 */
import net from 'node:net';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { systemClock } from '../../core/support/clock.js';
import { exitOnError, noFlags, parseArgsOrExit } from '../cli/args.js';
import { callMinerApi } from '../devices/asic/api-client.js';
import { startVirtualMiner, type VirtualMiner } from '../devices/asic/virtual-miner.js';
import { asicInventory } from '../devices/inventory.js';
import { closeServer, listen } from '../local/free-port.js';

const { verbose } = parseArgsOrExit(noFlags('bench:devices', 'npm run bench:devices'));

const TARGET_MINERS = 5000;
const LOAD_MINERS = 1000;
const CONCURRENCY = 64;
const DURATION_MS = 4000;
const BATCH = 200;

interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function startMiners(): Promise<{ miners: VirtualMiner[]; stoppedBy: string | null; seconds: number }> {
  const site = referenceFleet.sites[0]!;
  const items = asicInventory(site, TARGET_MINERS, 1);
  const miners: VirtualMiner[] = [];
  const started = performance.now();
  let stoppedBy: string | null = null;
  for (let start = 0; start < items.length && stoppedBy === null; start += BATCH) {
    const results = await Promise.allSettled(
      items.slice(start, start + BATCH).map((item, offset) =>
        startVirtualMiner({
          item,
          group: site.asicGroups.find((g) => g.id === item.groupId)!,
          clock: systemClock,
          seed: start + offset,
          host: '127.0.0.1',
          port: 0,
        }),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') miners.push(result.value);
      else stoppedBy ??= String(result.reason);
    }
  }
  return { miners, stoppedBy, seconds: (performance.now() - started) / 1000 };
}

/** `CONCURRENCY` loops, each sending one request per connection to the next port, for `DURATION_MS`. */
async function load(ports: readonly number[], request: string): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const port = ports[next++ % ports.length]!;
      const t0 = performance.now();
      const result = await callMinerApi({ host: '127.0.0.1', port, timeoutMs: 5000 }, request);
      if (result.ok) latencies.push(performance.now() - t0);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    failures,
    requestsPerSec: latencies.length / seconds,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
  };
}

/** The floor any TCP request/reply server pays here: accept, read, write a fixed reply, close. */
async function startBaseline(reply: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(reply));
    socket.on('error', () => socket.destroy());
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { port, close: () => closeServer(server) };
}

function row(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
}

async function main(): Promise<void> {
  process.stderr.write(`starting up to ${TARGET_MINERS} miners…\n`);
  const { miners, stoppedBy, seconds } = await startMiners();
  const rssMib = process.memoryUsage().rss / 2 ** 20;
  const summaryRequest = JSON.stringify({ command: 'summary' });
  const sample = await callMinerApi({ host: '127.0.0.1', port: miners[0]!.server.port }, summaryRequest);
  const replySize = sample.ok ? sample.text.length + 1 : 1500;

  const loadPorts = miners.slice(0, LOAD_MINERS).map((m) => m.server.port);
  process.stderr.write(`summary load on ${loadPorts.length} miners, ${CONCURRENCY} concurrent, ${DURATION_MS} ms…\n`);
  const virtual = await load(loadPorts, summaryRequest);
  const baselineServer = await startBaseline(`${'x'.repeat(replySize - 1)}\0`);
  process.stderr.write('baseline: bare TCP server, same reply size…\n');
  const baseline = await load([baselineServer.port], summaryRequest);
  await baselineServer.close();
  await Promise.all(miners.map((m) => m.server.close()));

  const widths = [44, 16];
  const lines = [
    row(['measure', 'value'], widths),
    row(['-'.repeat(44), '-'.repeat(16)], widths),
    row(['miners started (target)', `${miners.length} (${TARGET_MINERS})`], widths),
    row(['start time', `${seconds.toFixed(2)} s`], widths),
    row(['process RSS with all miners', `${rssMib.toFixed(0)} MiB`], widths),
    row(['stopped by', stoppedBy ?? 'target reached'], widths),
    row([`summary req/s (${loadPorts.length} miners, c=${CONCURRENCY})`, virtual.requestsPerSec.toFixed(0)], widths),
    row(['  latency p50 / p99', `${virtual.p50Ms.toFixed(2)} / ${virtual.p99Ms.toFixed(2)} ms`], widths),
    row(['  failures', virtual.failures], widths),
    row([`baseline bare TCP req/s (${replySize} B reply)`, baseline.requestsPerSec.toFixed(0)], widths),
    row(['  latency p50 / p99', `${baseline.p50Ms.toFixed(2)} / ${baseline.p99Ms.toFixed(2)} ms`], widths),
    row(['virtual / baseline', `${((100 * virtual.requestsPerSec) / baseline.requestsPerSec).toFixed(0)}%`], widths),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(exitOnError('bench:devices', verbose));
