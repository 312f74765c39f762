import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Ack } from '../../../core/messages/ack.js';
import type { Command } from '../../../core/messages/command.js';
import { siteTopic } from '../../../core/messages/topics.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { ManualClock } from '../../../core/support/clock.js';
import { seededRng } from '../../../core/support/random.js';
import type { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { siteLockKey } from '../../../functions/shared/data/site-lock.js';
import type { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import type { AckHandling } from '../../../functions/switching/acks.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import type { SwitchAuditEntry } from '../../../functions/switching/ports.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { createLocalControlPlane, type LocalControlPlane } from '../../../sim/platform/local-control-plane.js';

export { planFor } from '../../unit/switching/plan-fixture.js';

import { TaskTokenRegistry } from '../../../sim/local/stepfunctions/index.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

/**
 * The local control plane for flow tests: DynamoDB Local, the aedes broker, a stand-in gateway per behaviour that
 * answers commands with real acks over MQTT, and the cloud side of the ack path (the ack use case settling tokens in
 * the runner's registry), as the local platform wires them.
 */

export type GatewayBehaviour = 'execute' | 'reject' | 'silent' | 'stall';

export const TABLE_NAME = 'hcp-flows-test';

/** A market snapshot at `atMs`: HB_WEST at `westPriceUsdPerMwh`, the other hubs quiet. */
export const marketSnapshot = (atMs: number, westPriceUsdPerMwh: number): MarketSnapshot =>
  marketSnapshotAt(atMs, { HB_WEST: westPriceUsdPerMwh, HB_SOUTH: 25, HB_NORTH: 30 });

export interface FlowHarness {
  readonly client: DynamoDBDocumentClient;
  /** The local broker, for a real gateway to connect to. */
  readonly brokerUrl: string;
  readonly registry: TaskTokenRegistry;
  readonly clock: ManualClock;
  readonly controlPlane: LocalControlPlane;
  readonly plans: DynamoPlanStore;
  readonly switchStates: DynamoSwitchStateStore;
  readonly commands: Command[];
  readonly ackHandlings: AckHandling[];
  readonly metrics: { succeeded: string[]; failed: Array<{ siteId: string; error: string }> };
  readonly audit: SwitchAuditEntry[];
  /** The control plane's command signer, and its public key as a gateway's `commandKeys` lists it. */
  readonly signer: LocalCommandSigner;
  readonly commandKey: { readonly kid: string; readonly publicKeyPem: string };
  /** How the stand-in gateway of a site answers; default `execute`. */
  setBehaviour(siteId: string, behaviour: GatewayBehaviour): void;
  lockOf(siteId: string): Promise<Record<string, unknown> | undefined>;
  holdLock(siteId: string, ownerId: string): Promise<void>;
  dropLock(siteId: string): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** How often a stalling stand-in gateway says it is alive. */
const STALL_HEARTBEAT_EVERY_MS = 200;

export async function startFlowHarness(): Promise<FlowHarness> {
  let table: LocalTable | undefined;
  let broker: RunningMqttBroker | undefined;
  const clients: MqttClient[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker?.stop();
    await table?.stop();
  };
  try {
    table = await startLocalTable(TABLE_NAME);
    broker = await startMqttBroker();
    const cloud = await connectAsync(broker.url, { clientId: 'cloud', reconnectPeriod: 0 });
    const gateway = await connectAsync(broker.url, { clientId: 'gateways', reconnectPeriod: 0 });
    clients.push(cloud, gateway);

    const { client } = table;
    const registry = new TaskTokenRegistry();
    // The clock only feeds lock expiry and timestamps: real time keeps it consistent with the runner's timers.
    const clock = new ManualClock(Date.now());
    const tick = setInterval(() => clock.setMs(Date.now()), 5);
    tick.unref();
    const metrics = { succeeded: [] as string[], failed: [] as Array<{ siteId: string; error: string }> };
    const audit: SwitchAuditEntry[] = [];
    const ackHandlings: AckHandling[] = [];
    const { signer, publicKeyPem } = LocalCommandSigner.generate('flows-test-key');
    const controlPlane = createLocalControlPlane({
      signer,
      client,
      tableName: TABLE_NAME,
      mqtt: cloud,
      registry,
      clock,
      lockTtlMs: 60_000,
      switchMetrics: {
        switchSucceeded: (siteId) => metrics.succeeded.push(siteId),
        switchFailed: (siteId, error) => metrics.failed.push({ siteId, error }),
      },
      ackMetrics: { ackHandled: (handling) => void ackHandlings.push(handling) },
      audit: { append: async (entry) => void audit.push(entry) },
      rng: seededRng(7),
    });
    await controlPlane.listenForAcks();

    // The stand-in gateways: ack on receipt, then execute or reject, or say nothing.
    const behaviours = new Map<string, GatewayBehaviour>();
    const commands: Command[] = [];
    await gateway.subscribeAsync('hcp/v1/sites/+/commands', { qos: 1 });
    gateway.on('message', (_topic, payload) => {
      const command = JSON.parse(payload.toString()) as Command;
      commands.push(command);
      const behaviour = behaviours.get(command.siteId) ?? 'execute';
      if (behaviour === 'silent' || !command.taskToken) return;
      const ack = (status: Ack['status'], reason: Ack['reason']): Ack => ({
        commandId: command.commandId,
        siteId: command.siteId,
        seq: command.seq,
        status,
        reason,
        taskToken: command.taskToken,
        repeated: false,
        timings: {
          receivedAt: new Date().toISOString(),
          ...(status === 'executed' ? { executedAt: new Date().toISOString(), executionMs: 40 } : {}),
        },
      });
      const send = async (message: Ack) => {
        if (stopping) return;
        await gateway.publishAsync(siteTopic(command.siteId, 'acks'), JSON.stringify(message), { qos: 1 });
      };
      void (async () => {
        await send(ack('received', 'ok'));
        if (behaviour === 'stall') {
          // Alive (heartbeats, well inside any heartbeat window) but never finishing, for as long as the flow waits:
          // only the task's TimeoutSeconds ends the wait.
          const waiting = () => registry.pending().some((task) => task.taskToken === command.taskToken);
          while (waiting() && !stopping) {
            await sleep(STALL_HEARTBEAT_EVERY_MS);
            await send(ack('received', 'ok'));
          }
          return;
        }
        const final = behaviour === 'execute' ? ack('executed', 'ok') : ack('rejected', 'stale-seq');
        await send(final);
        // A repeated ack, as a gateway sends when it thinks the first was lost: must change nothing.
        await send({ ...final, repeated: true });
      })().catch((error) => {
        if (!stopping) throw error;
      });
    });

    return {
      client,
      brokerUrl: broker.url,
      registry,
      clock,
      controlPlane,
      plans: controlPlane.plans,
      switchStates: controlPlane.switchStates,
      commands,
      ackHandlings,
      metrics,
      audit,
      signer,
      commandKey: { kid: signer.kid, publicKeyPem },
      setBehaviour: (siteId, behaviour) => behaviours.set(siteId, behaviour),
      lockOf: async (siteId) =>
        (await client.send(new GetCommand({ TableName: TABLE_NAME, Key: siteLockKey(siteId) }))).Item,
      holdLock: async (siteId, ownerId) => {
        await client.send(
          new PutCommand({
            TableName: TABLE_NAME,
            Item: {
              ...siteLockKey(siteId),
              siteId,
              ownerId,
              acquiredAtMs: Date.now(),
              expiresAtMs: Date.now() + 600_000,
            },
          }),
        );
      },
      dropLock: async (siteId) => {
        await client.send(new DeleteCommand({ TableName: TABLE_NAME, Key: siteLockKey(siteId) }));
      },
      stop: async () => {
        clearInterval(tick);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
