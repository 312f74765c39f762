import '../local-env.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connectAsync } from 'mqtt';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { siteJobSchema, siteJobTopic } from '../../core/routing/site-messages.js';
import { systemClock } from '../../core/support/clock.js';
import { connectMqttPort } from '../../iot-greengrass/adapters/messaging/mqtt-client.js';
import { startLocalApiServer } from '../local/api-routes.js';
import { startMqttBroker } from '../local/mqtt-broker.js';
import { startLocalRouting } from '../platform/workload-routing.js';

/**
 * The end-to-end latency routing adds to a job in the local platform: from the API's 201 for a submission to the
 * site job arriving on the site's `jobs` topic (router on DynamoDB Local, site queue, broker), measured on the real
 * parts. Two triggers: the router kicked on each submission (what the table's stream does in AWS) and the platform's
 * 200 ms poll; against a baseline of one MQTT publish to the same topic, measured in the same run.
 */
const JOBS = Number(process.env.ROUTING_LATENCY_JOBS ?? 200);
const sites = referenceFleet.sites.slice(0, 2);
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

const broker = await startMqttBroker();
const server = await startLocalApiServer({ tableName: 'hcp-bench-routing' });
const demo = await server.api.seedDemoTenant();
const cloud = await connectMqttPort({ url: broker.url, clientId: 'bench-cloud' });
const site = await connectAsync(broker.url, { clientId: 'bench-site' });
const arrived = new Map<string, number>();
site.on('message', (_topic, payload) => {
  const job = siteJobSchema.safeParse(JSON.parse(payload.toString('utf8')));
  if (job.success) arrived.set(job.data.jobId, performance.now());
});
await site.subscribeAsync(
  sites.map((s) => siteJobTopic(s.id)),
  { qos: 1 },
);
const waitFor = async (id: string) => {
  const deadline = performance.now() + 30_000;
  while (!arrived.has(id)) {
    if (performance.now() > deadline) throw new Error(`job ${id} never reached a site`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return arrived.get(id)!;
};

async function measure(trigger: 'kick' | 'poll'): Promise<number[]> {
  const routing = await startLocalRouting({
    client: server.documents,
    tableName: server.tableName,
    sites,
    messaging: cloud,
    clock: systemClock,
    events: { notify: async () => {} },
    pollMs: trigger === 'poll' ? 200 : 60_000,
  });
  const latencies: number[] = [];
  for (let i = 0; i < JOBS; i++) {
    const response = await fetch(`${server.url}/v1/workloads`, {
      method: 'POST',
      headers: { 'x-api-key': demo.apiKey, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        modelId: 'meta-llama/Llama-3.1-8B-Instruct',
        inputTokens: 2000,
        outputTokens: 20_000,
        tier: i % 2 ? 'flex' : 'guaranteed',
        deadline: new Date(Date.now() + 3_600_000).toISOString(),
        maxPriceUsd: 10,
      }),
    });
    const acceptedAt = performance.now();
    if (response.status !== 201) throw new Error(`submission answered ${response.status}`);
    const { id } = (await response.json()) as { id: string };
    if (trigger === 'kick') void routing.kick();
    latencies.push((await waitFor(id)) - acceptedAt);
    if ((i + 1) % 50 === 0) console.log(`  ${trigger}: ${i + 1}/${JOBS} jobs routed`);
  }
  await routing.stop();
  return latencies;
}

async function baseline(): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < JOBS; i++) {
    const jobId = `baseline-${i}`;
    const start = performance.now();
    await cloud.publish(
      'cloud',
      siteJobTopic(sites[0]!.id),
      JSON.stringify({
        jobId,
        attempt: 1,
        tenantId: 'demo',
        tier: 'flex',
        modelId: 'meta-llama/Llama-3.1-8B-Instruct',
        poolId: sites[0]!.gpuPools[0]!.id,
        inputTokens: 1,
        outputTokens: 1,
        deadline: new Date(Date.now() + 3_600_000).toISOString(),
      }),
      1,
    );
    latencies.push((await waitFor(jobId)) - start);
  }
  return latencies;
}

try {
  console.log(`routing latency: ${JOBS} submissions each way, one at a time, DynamoDB Local + broker`);
  const base = summary(await baseline());
  const kicked = summary(await measure('kick'));
  const polled = summary(await measure('poll'));
  const row = (name: string, s: { p50: number; p99: number }) =>
    console.log(
      `${name.padEnd(44)} p50 ${s.p50.toFixed(1).padStart(7)} ms  p99 ${s.p99.toFixed(1).padStart(7)} ms  ` +
        `(${(s.p50 / base.p50).toFixed(0)}× / ${(s.p99 / base.p99).toFixed(0)}× the baseline)`,
    );
  row('baseline: one MQTT publish to the site', base);
  row('routed, router kicked per submission (stream)', kicked);
  row('routed, router polling every 200 ms (npm start)', polled);
} finally {
  await cloud.close();
  await site.endAsync(true);
  await server.stop();
  await broker.stop();
}
