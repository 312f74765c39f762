import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import mqtt from 'mqtt';
import type { Ack } from '../../../core/messages/ack.js';
import type { Command, SiteMode } from '../../../core/messages/command.js';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { OverrideRecord } from '../../../core/operations/overrides.js';
import { ManualClock } from '../../../core/support/clock.js';
import { seededRng } from '../../../core/support/random.js';
import { DynamoOverrideStore } from '../../../functions/shared/data/override-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import type { AckHandling } from '../../../functions/switching/acks.js';
import { ChainedSwitchAudit } from '../../../functions/switching/adapters/chained-switch-audit.js';
import type { SwitchAuditEntry } from '../../../functions/switching/ports.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type FaultProxy, startFaultProxy } from '../../../sim/local/fault-proxy.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { connectInBackground, type SiteBus, splitChannels, startSiteBus } from '../../../sim/local/site-messaging.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type LocalTaskHandler,
  TaskTokenRegistry,
  type TokenTaskCallback,
} from '../../../sim/local/stepfunctions/index.js';
import {
  createLocalControlPlane,
  type LocalControlPlane,
  type LocalControlPlaneOptions,
} from '../../../sim/platform/local-control-plane.js';
import { LADDER, planWith, SITE, SITE_ID, T0_MS } from '../../integration/gateway/harness.js';
import { startLocalTable } from '../../support/local-table.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { type MinerLedger, recordMinerCommands } from './miner-ledger.js';

export { LADDER, planWith, SITE, SITE_ID, T0_MS } from '../../integration/gateway/harness.js';

/**
 * One site on the real local parts, with the faults of test/reliability within reach: DynamoDB Local, the aedes
 * broker (restartable on its port), a fault proxy between the gateway and the broker, the site's LAN bus, the control
 * plane (SwitchFlow from the synthesized ASL, acks through the real ack use case), virtual miners and GPU nodes, and
 * the real gateway on a manual clock shared with the control plane.
 */

export const TABLE_NAME = 'hcp-reliability';

/**
 * How the gateway reaches its messages. `greengrass`: cloud through the proxy, connected in the background, local
 * signals on the site bus (the IPC split). `direct`: the MQTT adapter alone, both channels on the broker via the proxy.
 */
export type GatewayWiring = 'greengrass' | 'direct';

export interface SiteHarnessOptions {
  readonly asics?: number;
  readonly gpuNodes?: number;
  readonly wiring?: GatewayWiring;
  readonly switchAgent?: NonNullable<StartGatewayOptions['config']>['switchAgent'];
  /** SwitchFlow's task handlers, e.g. wrapped to fail. @default the control plane's */
  readonly wrapTasks?: (handlers: Record<string, LocalTaskHandler>) => Record<string, LocalTaskHandler>;
  /** SwitchFlow's `.waitForTaskToken` integrations (the command publish), e.g. wrapped to lose answers. */
  readonly wrapTokenTasks?: (tasks: Record<string, TokenTaskCallback>) => Record<string, TokenTaskCallback>;
  /** The control plane's IoT publisher and task-token client, e.g. the deployed adapters on local SDK endpoints. */
  readonly controlPlanePorts?: (parts: {
    readonly cloud: mqtt.MqttClient;
    readonly registry: TaskTokenRegistry;
  }) => Pick<LocalControlPlaneOptions, 'publisher' | 'taskTokens'>;
  /** Acks go here instead of the site's acks topic (a test relays them with faults). */
  readonly gatewayAckTopic?: string;
  /** The gateway listens here instead of the site's commands topic (a test relays them with faults). */
  readonly gatewayCommandTopic?: string;
  /** Devices the gateway reaches through a fault proxy of their own (`deviceProxies`). */
  readonly proxiedDevices?: readonly string[];
  /** Called on the control plane's DynamoDB client before use (e.g. to inject throttling). */
  readonly prepareClient?: (client: DynamoDBDocumentClient) => void;
  /**
   * Also append every switching audit entry to the platform's hash-chained audit log in DynamoDB Local, as deployed
   * (`h.audit` still records every append call, repeats included). @default false: recorded in memory only
   */
  readonly chainedAudit?: boolean;
}

export interface SiteHarness {
  readonly clock: ManualClock;
  readonly client: DynamoDBDocumentClient;
  /**
   * The table on a client no fault is injected into: what a test reads to judge the outcome (a throttled or lossy
   * read of its own would fail the test, not the flow under test).
   */
  readonly inspect: { readonly client: DynamoDBDocumentClient; readonly switchStates: DynamoSwitchStateStore };
  readonly controlPlane: LocalControlPlane;
  readonly cloud: mqtt.MqttClient;
  readonly proxy: FaultProxy;
  readonly bus: SiteBus;
  readonly fleet: VirtualFleet;
  readonly ledger: MinerLedger;
  readonly deviceProxies: ReadonlyMap<string, FaultProxy>;
  readonly stateDir: string;
  readonly gateway: RunningGateway;
  readonly batches: TelemetryBatch[];
  readonly acks: Ack[];
  readonly commands: Command[];
  readonly ackHandlings: AckHandling[];
  readonly audit: SwitchAuditEntry[];
  readonly failedSwitches: Array<{ siteId: string; error: string }>;
  brokerPort(): number;
  /** Starts the gateway, or stops and starts it again on the same state directory. */
  restartGateway(): Promise<RunningGateway>;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
  runSwitchFlow(input: unknown): ReturnType<ReturnType<typeof createStateMachineRunner>['start']>;
  /** Saves plan v1 (everything on for an hour) and applies it through SwitchFlow; resolves with the result. */
  applyFirstPlan(): ReturnType<ReturnType<typeof createStateMachineRunner>['start']>;
  /** What the market Lambda does every minute: stores the price and relays it to the node's gateways. */
  relayPrice(priceUsdPerMwh: number): Promise<void>;
  /** The site bus: what a meter on the site LAN publishes. */
  localPrice(priceUsdPerMwh: number): void;
  awake(groupId: string): boolean[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls a condition on real time; returns whether it held (callers assert on the state, never on the time). */
export async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

export async function startSiteHarness(template: CfnTemplate, options: SiteHarnessOptions = {}): Promise<SiteHarness> {
  const cleanups: Array<() => unknown> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const clock = new ManualClock(T0_MS);
    const table = await startLocalTable(TABLE_NAME);
    cleanups.push(() => table.stop());
    const { client } = table;
    const cleanClient = table.newClient();
    const overrideRecords = new DynamoOverrideStore({ client: cleanClient, tableName: TABLE_NAME });
    const inspect = {
      client: cleanClient,
      switchStates: new DynamoSwitchStateStore({ client: cleanClient, tableName: TABLE_NAME }),
    };
    options.prepareClient?.(client);
    let broker: RunningMqttBroker = await startMqttBroker();
    const port = broker.port;
    cleanups.push(() => broker.stop());
    const proxy = await startFaultProxy({ targetPort: port });
    cleanups.push(() => proxy.close());
    const cloud = await mqtt.connectAsync(broker.url, { clientId: `cloud-${randomUUID()}`, reconnectPeriod: 100 });
    cleanups.push(() => cloud.endAsync(true));

    const batches: TelemetryBatch[] = [];
    const acks: Ack[] = [];
    const commands: Command[] = [];
    cloud.on('message', (topic, payload) => {
      const json = JSON.parse(payload.toString());
      if (topic === siteTopic(SITE_ID, 'telemetry')) batches.push(json as TelemetryBatch);
      else if (topic === siteTopic(SITE_ID, 'acks')) acks.push(json as Ack);
      else if (topic === siteTopic(SITE_ID, 'commands')) commands.push(json as Command);
    });
    for (const kind of ['telemetry', 'acks', 'commands'] as const) {
      await cloud.subscribeAsync(siteTopic(SITE_ID, kind), { qos: 1 });
    }

    const registry = new TaskTokenRegistry();
    const ackHandlings: AckHandling[] = [];
    const audit: SwitchAuditEntry[] = [];
    const chainedAudit = options.chainedAudit
      ? new ChainedSwitchAudit({ client, tableName: TABLE_NAME, clock })
      : undefined;
    const failedSwitches: Array<{ siteId: string; error: string }> = [];
    const controlPlane = createLocalControlPlane({
      client,
      tableName: TABLE_NAME,
      mqtt: cloud,
      registry,
      clock,
      switchMetrics: {
        switchSucceeded: () => undefined,
        switchFailed: (siteId, error) => void failedSwitches.push({ siteId, error }),
      },
      ackMetrics: { ackHandled: (handling) => void ackHandlings.push(handling) },
      audit: {
        append: async (entry) => {
          await chainedAudit?.append(entry);
          audit.push(entry);
        },
      },
      rng: seededRng(5),
      ...options.controlPlanePorts?.({ cloud, registry }),
    });
    await controlPlane.listenForAcks();
    const switchHandlers = controlPlane.switchFlow.taskHandlers;
    // Retries of the flows' Lambda states wait 10 ms instead of seconds; the ack wait keeps the fixture's timings.
    const retryIntervalOverrides = Object.fromEntries(Object.keys(switchHandlers).map((state) => [state, 10]));
    const switchRunner = createStateMachineRunner({
      template,
      logicalIdPrefix: 'SwitchFlow',
      registry,
      taskHandlers: options.wrapTasks ? options.wrapTasks(switchHandlers) : switchHandlers,
      tokenTasks: options.wrapTokenTasks
        ? options.wrapTokenTasks(controlPlane.switchFlow.tokenTasks)
        : controlPlane.switchFlow.tokenTasks,
      retryIntervalOverrides,
    });

    const fleet = await startVirtualFleet({
      asics: options.asics ?? 12,
      gpuNodes: options.gpuNodes ?? 1,
      seed: 11,
      clock,
      site: SITE_ID,
      gpuAutoTickMs: 0,
    });
    cleanups.push(() => fleet.stop());
    const ledger = recordMinerCommands(fleet.miners);
    const deviceProxies = new Map<string, FaultProxy>();
    for (const id of options.proxiedDevices ?? []) {
      const endpoint = fleet.endpoints.find((d) => d.id === id)!;
      const deviceProxy = await startFaultProxy({ targetPort: endpoint.port, targetHost: endpoint.address });
      cleanups.push(() => deviceProxy.close());
      deviceProxies.set(id, deviceProxy);
    }
    const devices = fleet.endpoints.map((d) =>
      deviceProxies.has(d.id) ? { ...d, address: '127.0.0.1', port: deviceProxies.get(d.id)!.port } : d,
    );
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-reliability-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const bus = startSiteBus();

    let gateway: RunningGateway | undefined;
    let messaging: MessagingPort | undefined;
    const connectCloud = () =>
      connectMqttPort({ url: proxy.url, clientId: `hcp-gateway-${SITE_ID}`, reconnectPeriodMs: 100 });
    const stopGateway = async () => {
      await gateway?.stop();
      await messaging?.close();
      gateway = undefined;
    };
    cleanups.push(stopGateway);
    const harness: SiteHarness = {
      clock,
      client,
      inspect,
      controlPlane,
      cloud,
      proxy,
      bus,
      fleet,
      ledger,
      deviceProxies,
      stateDir,
      get gateway() {
        if (!gateway) throw new Error('gateway not started');
        return gateway;
      },
      batches,
      acks,
      commands,
      ackHandlings,
      audit,
      failedSwitches,
      brokerPort: () => port,
      async restartGateway() {
        await stopGateway();
        messaging =
          options.wiring === 'direct'
            ? await connectCloud()
            : splitChannels({ cloud: connectInBackground({ connect: connectCloud }), local: bus.port });
        gateway = await startGateway({
          siteId: SITE_ID,
          site: SITE,
          messaging,
          devices,
          stateDir,
          clock,
          autoTick: false,
          config: {
            switchAgent: {
              minCurtailedMs: 60_000,
              restoreBatchSize: 4,
              restoreBatchIntervalMs: 10_000,
              ladder: LADDER,
              topics: {
                ...(options.gatewayAckTopic ? { acks: options.gatewayAckTopic } : {}),
                ...(options.gatewayCommandTopic ? { commands: options.gatewayCommandTopic } : {}),
              },
              ...options.switchAgent,
            },
          },
        });
        return gateway;
      },
      stopBroker: () => broker.stop(),
      async startBroker() {
        // IoT Core's rules take a gateway's messages the moment it is back; the cloud's stand-in is a subscriber that
        // must re-subscribe to an empty broker first. So the gateway's way in (the proxy) stays shut until it has: a
        // gateway that reconnected sooner would have its spool acknowledged by a broker with nobody to deliver it to.
        proxy.setMode('cut');
        broker = await startMqttBroker({ port });
        if (!(await eventually(() => cloud.connected, 60_000))) throw new Error('the cloud did not reconnect');
        for (const kind of ['telemetry', 'acks', 'commands'] as const) {
          await cloud.subscribeAsync(siteTopic(SITE_ID, kind), { qos: 1 });
        }
        proxy.setMode('pass');
      },
      runSwitchFlow: async (input) => {
        // An override's flow claims its override record before commanding it (an unclaimed one counts as cancelled):
        // write the record first, as the override route does, on a client no fault is injected into.
        const override = (input as { override?: OverrideRecord['override'] }).override;
        if (!override) return switchRunner.start(input);
        const executionName = randomUUID();
        const { siteId, requestedBy } = input as { siteId: string; requestedBy?: string };
        await overrideRecords.put({
          siteId,
          override,
          requestedBy: requestedBy ?? 'reliability',
          requestedAt: new Date(clock.nowMs()).toISOString(),
          executionName,
        });
        return switchRunner.start(input, { executionName });
      },
      async applyFirstPlan() {
        const saved = await controlPlane.plans.save(planWith(Array.from({ length: 12 }, () => ({}))));
        if (!saved.ok) throw new Error(`plan v1 not saved: ${saved.reason}`);
        return switchRunner.start({ siteId: SITE_ID, planVersion: 1 });
      },
      async relayPrice(priceUsdPerMwh) {
        await controlPlane.ingestMarket(fixedMarket(priceUsdPerMwh));
      },
      localPrice(priceUsdPerMwh) {
        bus.publish(
          siteTopic(SITE_ID, 'grid'),
          JSON.stringify({
            kind: 'price',
            at: new Date(clock.nowMs()).toISOString(),
            node: SITE.marketNode,
            priceUsdPerMwh,
          }),
        );
      },
      awake(groupId) {
        return fleet.miners
          .filter((m) => m.item.groupId === groupId)
          .sort((a, b) => (a.context.identity.id < b.context.identity.id ? -1 : 1))
          .map((m) => m.context.physics.isAwakeCommanded());
      },
      stop: stopAll,
    };
    return harness;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A market source that always answers one price at the site's node. */
export function fixedMarket(priceUsdPerMwh: number) {
  return {
    name: 'fixed',
    snapshotAt: async (atMs: number) => marketSnapshotAt(atMs, { [SITE.marketNode]: priceUsdPerMwh }),
  };
}

/** An operator's set-mode override as the API hands it to SwitchFlow, valid for a day. */
export function overrideRequest(h: SiteHarness, mode: SiteMode, reason = 'reliability') {
  return {
    siteId: SITE_ID,
    override: {
      kind: 'set-mode' as const,
      mode,
      reason,
      expiresAt: new Date(h.clock.nowMs() + 86_400_000).toISOString(),
    },
    requestedBy: 'operator',
  };
}

export const countOn = (flags: readonly boolean[]) => flags.filter(Boolean).length;

/** Every group's miners awake (true) or asleep (false). */
export const ASIC_GROUPS = ['west-s19xp-a', 'west-s21-a'] as const;
