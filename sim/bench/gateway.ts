/**
 * `npm run bench:gateway`: one site gateway against 1,000 virtual ASICs and 64 GPUs (8 nodes × 8), the devices in a
 * child process (the gateway's process is not the miners'), on their own loopback addresses at port 4028 as on a site
 * LAN. Measures the time from a local curtail signal (a price above every rung, published on the site's grid topic
 * through the embedded MQTT broker) to every targeted device having accepted its command by its own protocol reply,
 * over 200+ trials; beside each, the floor: a bare client sending the same commands to the same devices with the same
 * concurrency (switch-floor.ts), so the ratio of the two holds on a loaded machine; the loopback MQTT round trip in
 * the same run, for scale; and telemetry throughput in device metrics per second. The last line printed is one JSON
 * object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mqtt from 'mqtt';
import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { siteTopic } from '../../core/messages/topics.js';
import type { LadderRung } from '../../core/model/plan.js';
import { startGateway } from '../../iot-greengrass/gateway.js';
import { exitOnError, integerFlag, parseArgsOrExit } from '../cli/args.js';
import type { DeviceEndpoint } from '../devices/fleet.js';
import { startMqttBroker } from '../local/mqtt-broker.js';
import { type Profile, profiled, topSelfTime, writeProfile } from './cpu-profile.js';
import { floorSwitch, prepareFloor } from './switch-floor.js';

const PROFILED_SWITCHES = 20;
const { values, verbose } = parseArgsOrExit({
  command: 'bench:gateway',
  usage:
    'npm run bench:gateway -- [--trials N]\n\nOne gateway switching 1,000 virtual ASICs and 8 GPU nodes, beside a bare client (the floor).',
  flags: z.strictObject({
    trials: integerFlag(10, 10_000).default(200),
    profile: z.string().min(1).optional(),
  }),
  help: {
    trials: 'measured curtail/restore trials of the gateway and of the floor',
    profile: [
      'FILE',
      `write a V8 CPU profile of ${PROFILED_SWITCHES} switches straight into the agent; top items on stderr`,
    ],
  },
});

const ASICS = 1000;
const GPU_NODES = 8;
const TRIALS = values.trials;
const WARMUP_TRIALS = 10;
const MQTT_RTT_SAMPLES = 500;
const TELEMETRY_POLLS = 5;
const SITE = referenceFleet.sites[0]!;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function startDevices(): Promise<{ child: ChildProcess; endpoints: DeviceEndpoint[] }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sim/devices/cli.ts',
      '--asics',
      String(ASICS),
      '--gpus',
      String(GPU_NODES),
      '--seed',
      '7',
      '--site',
      SITE.id,
      '--addressing',
      'loopback',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const endpoints: DeviceEndpoint[] = [];
  // stdout (endpoints) and stderr (the ready line) are separate pipes: wait for every endpoint, not just the line.
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) endpoints.push(JSON.parse(line) as DeviceEndpoint);
      if (endpoints.length === ASICS + GPU_NODES) resolve();
    });
    readline.createInterface({ input: child.stderr! }).on('line', (line) => {
      if (/^devices: /.test(line) && !/endpoints up|stopped/.test(line)) reject(new Error(line));
    });
    child.once('exit', (code) => reject(new Error(`devices exited with ${code}`)));
  });
  return { child, endpoints };
}

/** As the gateway's own MQTT adapter does: without it every small write waits for the peer's delayed ACK. */
function setNoDelay(client: mqtt.MqttClient): void {
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
}

async function mqttRoundTrips(url: string): Promise<number[]> {
  const client = await mqtt.connectAsync(url, { clientId: 'bench-rtt' });
  setNoDelay(client);
  const topic = 'hcp/v1/bench/rtt';
  await client.subscribeAsync(topic, { qos: 1 });
  const samples: number[] = [];
  for (let i = 0; i < MQTT_RTT_SAMPLES; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      client.once('message', () => resolve());
      void client.publishAsync(topic, String(i), { qos: 1 });
    });
    samples.push(performance.now() - t0);
  }
  await client.endAsync();
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  process.stderr.write(`starting ${ASICS} virtual ASICs and ${GPU_NODES * 8} GPUs in a child process…\n`);
  const { child, endpoints } = await startDevices();
  const broker = await startMqttBroker();
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-gateway-'));
  // One rung per group, all below the spike price: the spike targets every device of the site.
  const ladder: LadderRung[] = [
    ...SITE.asicGroups.map((g, i) => ({
      groupId: g.id,
      kind: 'asic' as const,
      stopAbovePriceUsdPerMwh: 60 + i * 30,
      sheddableKw: 1000,
    })),
    ...SITE.gpuPools.map((p) => ({
      groupId: p.id,
      kind: 'gpu' as const,
      stopAbovePriceUsdPerMwh: 400,
      sheddableKw: 100,
    })),
  ];
  // No plan in the bench: all-on is the resting state; restores go back at once so trials can repeat.
  const benchAgentConfig = {
    defaultMode: 'all-on' as const,
    heartbeatTimeoutMs: 3_600_000,
    minCurtailedMs: 0,
    restoreBatchSize: 100_000,
    restoreBatchIntervalMs: 0,
    priceHysteresisUsdPerMwh: 0,
    ladder,
    concurrency: 512,
  };
  let pending: { resolve: (r: { accepted: number; sent: number; atMs: number }) => void } | undefined;
  const gateway = await startGateway({
    siteId: SITE.id,
    site: SITE,
    brokerUrl: broker.url,
    devices: endpoints,
    stateDir,
    autoTick: false,
    config: { switchAgent: benchAgentConfig, telemetry: { concurrency: 256 } },
    onSwitch: (cause, accepted, sent) => {
      if (cause === 'grid:price') pending?.resolve({ accepted, sent, atMs: performance.now() });
    },
  });
  const relay = await mqtt.connectAsync(broker.url, { clientId: 'bench-meter-relay' });
  setNoDelay(relay);
  const gridTopic = siteTopic(SITE.id, 'grid');
  const signal = async (priceUsdPerMwh: number) => {
    const done = new Promise<{ accepted: number; sent: number; atMs: number }>((resolve) => {
      pending = { resolve };
    });
    const t0 = performance.now();
    const message = { kind: 'price', at: new Date().toISOString(), node: SITE.marketNode, priceUsdPerMwh };
    await relay.publishAsync(gridTopic, JSON.stringify(message), { qos: 0 });
    const result = await done;
    return { ...result, ms: result.atMs - t0 };
  };

  process.stderr.write('opening LuxOS sessions and confirming the resting state…\n');
  await gateway.tick();
  await gateway.tick();

  const floorTargets = await prepareFloor(endpoints);
  process.stderr.write(
    `${WARMUP_TRIALS} warm-up and ${TRIALS} measured curtail/restore trials, each the gateway's then the floor's…\n`,
  );
  const latencies: number[] = [];
  const floor: number[] = [];
  let incomplete = 0;
  // This process's CPU (user + system) in each side's switches: less moved by other processes than wall time.
  const cpuUs = { gateway: 0, floor: 0 };
  const cpuSince = (start: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
  for (let trial = 0; trial < WARMUP_TRIALS + TRIALS; trial++) {
    const gatewayCpu = process.cpuUsage();
    const curtail = await signal(1000);
    if (curtail.accepted !== endpoints.length || curtail.sent !== endpoints.length) {
      incomplete++;
      const failures = JSON.stringify(gateway.state().switchAgent.failures);
      process.stderr.write(`trial ${trial}: ${curtail.accepted} of ${curtail.sent} accepted; failures ${failures}\n`);
    }
    await signal(0);
    const gatewayCpuUs = cpuSince(gatewayCpu);
    // The floor right after, under the same load: the ratio of the two is what a busy machine does not move.
    const floorCpu = process.cpuUsage();
    const t0 = performance.now();
    const floorAccepted = await floorSwitch(floorTargets, false, benchAgentConfig.concurrency);
    const floorMs = performance.now() - t0;
    if (floorAccepted !== endpoints.length) {
      incomplete++;
      process.stderr.write(`trial ${trial}: floor ${floorAccepted} of ${endpoints.length} accepted\n`);
    }
    await floorSwitch(floorTargets, true, benchAgentConfig.concurrency);
    if (trial >= WARMUP_TRIALS) {
      latencies.push(curtail.ms);
      floor.push(floorMs);
      cpuUs.gateway += gatewayCpuUs;
      cpuUs.floor += cpuSince(floorCpu);
    }
  }
  latencies.sort((a, b) => a - b);
  floor.sort((a, b) => a - b);

  // The same switch without the broker hop: from the agent holding the signal to every device's accepting reply.
  process.stderr.write(`${TRIALS} trials straight into the agent (no MQTT hop)…\n`);
  const direct: number[] = [];
  const at = () => new Date().toISOString();
  // The gateway process's own CPU per trial (curtail + restore): the rest of the wall time is the devices' process.
  const cpuBefore = process.cpuUsage();
  for (let trial = 0; trial < TRIALS; trial++) {
    const t0 = performance.now();
    const report = await gateway.switchAgent.handleGridSignal({
      kind: 'price',
      at: at(),
      node: SITE.marketNode,
      priceUsdPerMwh: 1000,
    });
    direct.push(performance.now() - t0);
    if (report.accepted !== endpoints.length) incomplete++;
    await gateway.switchAgent.handleGridSignal({ kind: 'price', at: at(), node: SITE.marketNode, priceUsdPerMwh: 0 });
  }
  const cpu = process.cpuUsage(cpuBefore);
  const gatewayCpuMsPerSwitch = (cpu.user + cpu.system) / 1000 / (2 * TRIALS);
  if (values.profile) {
    // Curtails only, each followed by an unprofiled restore: the items are per switch of every device.
    const profiles: Profile[] = [];
    for (let trial = 0; trial < PROFILED_SWITCHES; trial++) {
      profiles.push(
        await profiled(async () => {
          await gateway.switchAgent.handleGridSignal({
            kind: 'price',
            at: at(),
            node: SITE.marketNode,
            priceUsdPerMwh: 1000,
          });
        }),
      );
      await gateway.switchAgent.handleGridSignal({ kind: 'price', at: at(), node: SITE.marketNode, priceUsdPerMwh: 0 });
    }
    writeProfile(values.profile, profiles[0]!);
    process.stderr.write(`CPU profile of one switch (mean of ${PROFILED_SWITCHES}), top items by self time:\n`);
    for (const item of topSelfTime(profiles, 15)) {
      process.stderr.write(
        `${(item.selfMs / PROFILED_SWITCHES).toFixed(2).padStart(8)} ms ${item.selfPct.toFixed(1).padStart(5)}%  ${item.name}\n`,
      );
    }
  }
  direct.sort((a, b) => a - b);
  const state = gateway.state();

  // The agent's own share: the same trials against a driver that answers at once (no device I/O).
  process.stderr.write(`${TRIALS} trials against a no-op driver (decision cost only)…\n`);
  const instant = async () => ({ ok: true as const, value: undefined });
  const decisionOnly = await startGateway({
    siteId: SITE.id,
    site: SITE,
    brokerUrl: broker.url,
    devices: endpoints,
    stateDir: path.join(stateDir, 'decision-only'),
    autoTick: false,
    driver: {
      setPowered: instant,
      readPowered: async () => ({ ok: true as const, value: true }),
      read: async () => ({ ok: false as const, failure: { kind: 'unsupported', detail: 'bench' } }),
    },
    config: { switchAgent: benchAgentConfig },
  });
  const decision: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const t0 = performance.now();
    await decisionOnly.switchAgent.handleGridSignal({
      kind: 'price',
      at: at(),
      node: SITE.marketNode,
      priceUsdPerMwh: 1000,
    });
    decision.push(performance.now() - t0);
    await decisionOnly.switchAgent.handleGridSignal({
      kind: 'price',
      at: at(),
      node: SITE.marketNode,
      priceUsdPerMwh: 0,
    });
  }
  decision.sort((a, b) => a - b);
  await decisionOnly.stop();

  process.stderr.write('loopback MQTT round trips…\n');
  const rtts = await mqttRoundTrips(broker.url);

  process.stderr.write(`telemetry: ${TELEMETRY_POLLS} polls of every device…\n`);
  const t0 = performance.now();
  let metrics = 0;
  for (let i = 0; i < TELEMETRY_POLLS; i++) metrics += await gateway.pollTelemetry();
  const telemetrySeconds = (performance.now() - t0) / 1000;
  await gateway.telemetry.flush();

  await relay.endAsync();
  await gateway.stop();
  await broker.stop();
  child.kill('SIGTERM');
  rmSync(stateDir, { recursive: true, force: true });

  const summary = {
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    floorP50Ms: round(quantile(floor, 0.5)),
    floorP99Ms: round(quantile(floor, 0.99)),
    ratioP50: round(quantile(latencies, 0.5) / quantile(floor, 0.5)),
    ratioP99: round(quantile(latencies, 0.99) / quantile(floor, 0.99)),
    // Per switch of every device (curtail and restore each count one), broker and agent included on the gateway's side.
    signalCpuMsPerSwitch: round(cpuUs.gateway / 1000 / (2 * TRIALS)),
    floorCpuMsPerSwitch: round(cpuUs.floor / 1000 / (2 * TRIALS)),
    ratioCpu: round(cpuUs.gateway / cpuUs.floor),
    maxMs: round(latencies.at(-1) ?? Number.NaN),
    trials: latencies.length,
    gatewayP50Ms: round(quantile(direct, 0.5)),
    gatewayP99Ms: round(quantile(direct, 0.99)),
    gatewayCpuMsPerSwitch: round(gatewayCpuMsPerSwitch),
    decisionP50Ms: round(quantile(decision, 0.5)),
    decisionP99Ms: round(quantile(decision, 0.99)),
    incompleteTrials: incomplete,
    mqttRttP50Ms: round(quantile(rtts, 0.5), 3),
    mqttRttP99Ms: round(quantile(rtts, 0.99), 3),
    devices: endpoints.length,
    asics: endpoints.filter((e) => e.kind === 'asic').length,
    gpus: endpoints.filter((e) => e.kind === 'gpu').length * 8,
    drifted: state.switchAgent.drifted.length,
    telemetryMetricsPerSec: Math.round(metrics / telemetrySeconds),
  };
  const rows: Array<[string, string]> = [
    [
      'devices targeted per trial',
      `${summary.devices} (${summary.asics} ASICs over TCP, ${summary.gpus / 8} GPU nodes = ${summary.gpus} GPUs over HTTP)`,
    ],
    [
      'signal published → all accepted, p50 / p99 / max',
      `${summary.p50Ms} / ${summary.p99Ms} / ${summary.maxMs} ms over ${summary.trials} trials`,
    ],
    [
      'floor: bare client, same commands → all accepted, p50 / p99',
      `${summary.floorP50Ms} / ${summary.floorP99Ms} ms (gateway ÷ floor: p50 ${summary.ratioP50}, p99 ${summary.ratioP99})`,
    ],
    [
      'signal in the agent → all accepted, p50 / p99',
      `${summary.gatewayP50Ms} / ${summary.gatewayP99Ms} ms over ${direct.length} trials`,
    ],
    ['gateway process CPU per switch of every device', `${summary.gatewayCpuMsPerSwitch} ms`],
    [
      'CPU per switch, signal published (broker + gateway) / floor',
      `${summary.signalCpuMsPerSwitch} / ${summary.floorCpuMsPerSwitch} ms (ratio ${summary.ratioCpu})`,
    ],
    ['agent decision alone (no-op driver), p50 / p99', `${summary.decisionP50Ms} / ${summary.decisionP99Ms} ms`],
    ['trials with a device not accepting', String(incomplete)],
    ['loopback MQTT QoS 1 round trip p50 / p99', `${summary.mqttRttP50Ms} / ${summary.mqttRttP99Ms} ms`],
    [
      'telemetry',
      `${summary.telemetryMetricsPerSec} device metrics/s (${metrics} in ${telemetrySeconds.toFixed(2)} s)`,
    ],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(62)}${v}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().then(() => process.exit(0), exitOnError('bench:gateway', verbose));
