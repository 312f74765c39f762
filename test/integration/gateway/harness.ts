import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Ack } from '../../../core/messages/ack.js';
import type { Command } from '../../../core/messages/command.js';
import type { GridSignal } from '../../../core/messages/grid-signal.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { Plan } from '../../../core/model/plan.js';
import { ManualClock } from '../../../core/support/clock.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { UNTIL_TIMEOUT_MS, until } from '../../support/until.js';

export const SITE = referenceFleet.sites[0]!;
export const SITE_ID = SITE.id;
/** A quarter past the hour: plan intervals start on the hour, five minutes each. */
export const T0_MS = Date.parse('2026-07-01T15:00:00Z');
export const INTERVAL_MS = 5 * 60_000;

/** The west site's ladder with round stop prices: S19 XP first, then S21, then the H100 pool. */
export const LADDER = [
  { groupId: 'west-s19xp-a', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 60, sheddableKw: 9400 },
  { groupId: 'west-s21-a', kind: 'asic' as const, stopAbovePriceUsdPerMwh: 90, sheddableKw: 14600 },
  { groupId: 'west-h100-a', kind: 'gpu' as const, stopAbovePriceUsdPerMwh: 400, sheddableKw: 160 },
];

/** A plan whose intervals set each group's share on: `shares[i][group]` in [0, 1]. */
export function planWith(shares: ReadonlyArray<Record<string, number>>, version = 1, startMs = T0_MS): Plan {
  const units = new Map<string, number>([
    ...SITE.asicGroups.map((g) => [g.id, g.unitCount] as const),
    ...SITE.gpuPools.map((p) => [p.id, p.count] as const),
  ]);
  return {
    version,
    createdAt: new Date(startMs - 60_000).toISOString(),
    horizonStart: new Date(startMs).toISOString(),
    intervalMinutes: 5,
    sites: [
      {
        siteId: SITE_ID,
        intervals: shares.map((share, i) => ({
          startsAt: new Date(startMs + i * INTERVAL_MS).toISOString(),
          asicGroups: SITE.asicGroups.map((g) => ({
            groupId: g.id,
            unitsOn: Math.round((share[g.id] ?? 1) * g.unitCount),
            powerTargetKw: 0,
          })),
          gpuPools: SITE.gpuPools.map((p) => ({
            poolId: p.id,
            gpusPowered: Math.round((share[p.id] ?? 1) * (units.get(p.id) ?? 0)),
            gpusServing: 0,
          })),
          sitePowerKw: 20_000,
        })),
        ladder: LADDER,
      },
    ],
    solver: { mode: 'heuristic', status: 'test', objectiveUsd: 0, solveMs: 1 },
  };
}

export interface Harness {
  readonly clock: ManualClock;
  readonly broker: RunningMqttBroker;
  readonly fleet: VirtualFleet;
  readonly stateDir: string;
  gateway: RunningGateway;
  readonly cloud: mqtt.MqttClient;
  readonly acks: Ack[];
  /** Starts (or restarts, on the same state directory) the gateway. */
  startGateway(overrides?: Partial<StartGatewayOptions>): Promise<RunningGateway>;
  command(kind: Command['kind'], payload: unknown, envelope?: Partial<Command>): Command;
  send(command: unknown): Promise<void>;
  waitForAcks(predicate: (acks: Ack[]) => boolean, timeoutMs?: number): Promise<Ack[]>;
  signal(signal: Omit<GridSignal, 'at' | 'node'> & Record<string, unknown>): Promise<void>;
  /** Whether each device of a group is commanded on (ground truth from the virtual hardware). */
  awake(groupId: string): boolean[];
  stop(): Promise<void>;
}

let seqCounter = 0;

export async function startHarness(
  options: { asics?: number; gpuNodes?: number; gateway?: Partial<StartGatewayOptions> } = {},
): Promise<Harness> {
  const clock = new ManualClock(T0_MS);
  const broker = await startMqttBroker();
  const fleet = await startVirtualFleet({
    asics: options.asics ?? 24,
    gpuNodes: options.gpuNodes ?? 2,
    seed: 11,
    clock,
    site: SITE_ID,
    gpuAutoTickMs: 0,
  });
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-gateway-'));
  const cloud = await mqtt.connectAsync(broker.url, { clientId: `cloud-${randomUUID()}`, reconnectPeriod: 100 });
  const acks: Ack[] = [];
  cloud.on('message', (topic, payload) => {
    if (topic === siteTopic(SITE_ID, 'acks')) acks.push(JSON.parse(payload.toString()) as Ack);
  });
  await cloud.subscribeAsync(siteTopic(SITE_ID, 'acks'), { qos: 1 });
  const harness: Harness = {
    clock,
    broker,
    fleet,
    stateDir,
    gateway: undefined as unknown as RunningGateway,
    cloud,
    acks,
    async startGateway(overrides = {}) {
      harness.gateway = await startGateway({
        siteId: SITE_ID,
        site: SITE,
        brokerUrl: broker.url,
        devices: fleet.endpoints,
        stateDir,
        clock,
        autoTick: false,
        ...options.gateway,
        ...overrides,
        config: {
          switchAgent: {
            heartbeatTimeoutMs: 3_600_000,
            minCurtailedMs: 60_000,
            restoreBatchSize: 5,
            restoreBatchIntervalMs: 2_000,
            ladder: LADDER,
            ...options.gateway?.config?.switchAgent,
            ...overrides.config?.switchAgent,
          },
          telemetry: { ...options.gateway?.config?.telemetry, ...overrides.config?.telemetry },
        },
      });
      return harness.gateway;
    },
    command(kind, payload, envelope = {}) {
      seqCounter += 1;
      const nowMs = clock.nowMs();
      return {
        commandId: randomUUID(),
        siteId: SITE_ID,
        seq: seqCounter,
        epoch: 1,
        issuedAt: new Date(nowMs).toISOString(),
        validUntil: new Date(nowMs + 90_000).toISOString(),
        taskToken: `token-${seqCounter}`,
        kind,
        payload,
        ...envelope,
      } as Command;
    },
    async send(command) {
      await cloud.publishAsync(siteTopic(SITE_ID, 'commands'), JSON.stringify(command), { qos: 1 });
    },
    async waitForAcks(predicate, timeoutMs = UNTIL_TIMEOUT_MS) {
      return until('the expected acks', () => predicate(acks) && acks, {
        timeoutMs,
        pollMs: 10,
        detail: () => acks.map((a) => [a.seq, a.status, a.reason]),
      });
    },
    async signal(signal) {
      await harness.gateway.switchAgent.handleGridSignal({
        at: new Date(clock.nowMs()).toISOString(),
        node: SITE.marketNode,
        ...signal,
      } as GridSignal);
    },
    awake(groupId) {
      return fleet.miners
        .filter((m) => m.item.groupId === groupId)
        .sort((a, b) => (a.context.identity.id < b.context.identity.id ? -1 : 1))
        .map((m) => m.context.physics.isAwakeCommanded());
    },
    async stop() {
      await harness.gateway?.stop();
      await cloud.endAsync(true);
      await fleet.stop();
      await broker.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Commands carry strictly increasing sequence numbers across a test file. */
export function nextSeq(): number {
  seqCounter += 1;
  return seqCounter;
}

export const count = (flags: readonly boolean[], value = true) => flags.filter((f) => f === value).length;
