import { connectAsync, type MqttClient } from 'mqtt';
import { parseSiteTopic, siteTopic } from '../../../core/messages/topics.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type LocalTaskHandler,
  TaskTokenRegistry,
  type TokenTaskCallback,
} from '../../../sim/local/stepfunctions/index.js';
import { FLOW, STATE, synthesizeTaskTokenTemplate } from '../fixtures/task-token-stack.js';

/**
 * The fixture state machine, synthesized by CDK and run locally, with its command published over a real MQTT broker
 * to a stand-in gateway whose ack, back over MQTT, settles the task token.
 */

interface CommandMessage {
  commandId: string;
  siteId: string;
  seq: number;
  taskToken: string;
}

/** Gateway behaviour per site: ack, reject, or say nothing. */
const ACKING_SITE = 'site-acking';
const REJECTING_SITE = 'site-rejecting';
const SILENT_SITE = 'site-silent';

let template: CfnTemplate;
let broker: RunningMqttBroker;
let cloud: MqttClient;
let gateway: MqttClient;
const registry = new TaskTokenRegistry();
const commandsSeen: CommandMessage[] = [];

beforeAll(async () => {
  template = synthesizeTaskTokenTemplate();
  broker = await startMqttBroker();
  cloud = await connectAsync(broker.url, { clientId: 'cloud', reconnectPeriod: 0 });
  gateway = await connectAsync(broker.url, { clientId: 'gateway', reconnectPeriod: 0 });

  await gateway.subscribeAsync('hcp/v1/sites/+/commands', { qos: 1 });
  gateway.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString()) as CommandMessage;
    commandsSeen.push(command);
    if (command.siteId === SILENT_SITE) return;
    const status = command.siteId === ACKING_SITE ? 'executed' : 'rejected';
    const ack = { commandId: command.commandId, seq: command.seq, status, taskToken: command.taskToken };
    void gateway.publishAsync(siteTopic(command.siteId, 'acks'), JSON.stringify(ack), { qos: 1 });
  });

  // The cloud side of the ack path: what the ack-handler Lambda does with SendTaskSuccess/SendTaskFailure.
  await cloud.subscribeAsync('hcp/v1/sites/+/acks', { qos: 1 });
  cloud.on('message', (topic, payload) => {
    const { taskToken, ...ack } = JSON.parse(payload.toString()) as { taskToken: string; status: string };
    if (ack.status === 'executed') {
      registry.sendTaskSuccess(taskToken, ack);
    } else {
      registry.sendTaskFailure(taskToken, { error: 'Ack.Rejected', cause: `${parseSiteTopic(topic)?.siteId} refused` });
    }
  });
});

afterAll(async () => {
  await Promise.all([cloud?.endAsync(true), gateway?.endAsync(true)]);
  await broker?.stop();
});

const prepareCommand: LocalTaskHandler = async (event: { siteId: string }) => ({
  ...event,
  commandId: `cmd-${event.siteId}`,
  seq: 7,
});

const publishOverMqtt: TokenTaskCallback = async (parameters: { Topic: string; Qos: 0 | 1; Payload: unknown }) => {
  await cloud.publishAsync(parameters.Topic, JSON.stringify(parameters.Payload), { qos: parameters.Qos });
};

function runnerFor(logicalIdPrefix: string) {
  const compensations: unknown[] = [];
  const runner = createStateMachineRunner({
    template,
    logicalIdPrefix,
    registry,
    taskHandlers: {
      [STATE.prepare]: prepareCommand,
      [STATE.compensate]: async (event: unknown) => {
        compensations.push(event);
        return { compensated: true };
      },
    },
    tokenTasks: { [STATE.publish]: publishOverMqtt },
  });
  return { runner, compensations };
}

describe('synthesized state machine on aws-local-stepfunctions', () => {
  it('publishes the command with its task token and succeeds when the gateway acks over MQTT', async () => {
    // Prepare
    const { runner, compensations } = runnerFor(FLOW.normal);

    // Act
    const result = await runner.start({ siteId: ACKING_SITE });

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        siteId: ACKING_SITE,
        commandId: `cmd-${ACKING_SITE}`,
        seq: 7,
        ack: { commandId: `cmd-${ACKING_SITE}`, seq: 7, status: 'executed' },
      },
    });
    const command = commandsSeen.find((seen) => seen.siteId === ACKING_SITE)!;
    expect(command.taskToken).toMatch(/^local-task-token-/);
    expect(compensations).toEqual([]);
    expect(registry.sendTaskSuccess(command.taskToken, {})).toEqual({ ok: false, error: 'TaskTimedOut' });
  });

  it('runs the compensation and fails when the gateway rejects the command', async () => {
    // Prepare
    const { runner, compensations } = runnerFor(FLOW.normal);

    // Act
    const result = await runner.start({ siteId: REJECTING_SITE });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(compensations).toEqual([
      expect.objectContaining({ error: { Error: 'Ack.Rejected', Cause: `${REJECTING_SITE} refused` } }),
    ]);
  });

  it('times out into the Catch with States.Timeout when no ack comes within TimeoutSeconds', async () => {
    // Prepare
    const { runner, compensations } = runnerFor(FLOW.shortTimeout);

    // Act
    const result = await runner.start({ siteId: SILENT_SITE });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(compensations).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ Error: 'States.Timeout' }) }),
    ]);
    const command = commandsSeen.find((seen) => seen.siteId === SILENT_SITE)!;
    expect(registry.sendTaskSuccess(command.taskToken, {})).toEqual({ ok: false, error: 'TaskTimedOut' });
  });

  it('fails into the Catch with States.HeartbeatTimeout when the gateway sends no heartbeat', async () => {
    // Prepare
    const { runner, compensations } = runnerFor(FLOW.shortHeartbeat);

    // Act
    const result = await runner.start({ siteId: SILENT_SITE });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(compensations).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ Error: 'States.HeartbeatTimeout' }) }),
    ]);
  });
});
