import type { Ack } from '../../../core/messages/ack.js';
import { ACK_ERRORS, interpretAck, isSettledTokenError } from '../../../core/switching/ack.js';
import { buildSafeModeCommand } from '../../../core/switching/command.js';
import {
  type AckHandling,
  handleAck,
  type TaskTokenClient,
  type TokenAnswer,
} from '../../../functions/switching/acks.js';
import { IotCommandPublisher } from '../../../functions/switching/adapters/iot-command-publisher.js';
import { SfnTaskTokenClient } from '../../../functions/switching/adapters/sfn-task-token-client.js';

const baseAck: Ack = {
  commandId: '0b8f4a52-3f1e-4d5b-9a57-2a8c0b6f1e11',
  siteId: 'site-a',
  seq: 4,
  status: 'executed',
  reason: 'ok',
  taskToken: 'token-1',
  repeated: false,
  timings: { receivedAt: '2026-11-28T12:00:00Z', executedAt: '2026-11-28T12:00:01Z', executionMs: 900 },
};

function recordingClient(answers: TokenAnswer[]) {
  const calls: string[] = [];
  const next = async (call: string) => {
    calls.push(call);
    return answers.shift() ?? { ok: true as const };
  };
  const client: TaskTokenClient = {
    sendSuccess: (token) => next(`success:${token}`),
    sendFailure: (token, error) => next(`failure:${token}:${error}`),
    sendHeartbeat: (token) => next(`heartbeat:${token}`),
  };
  return { client, calls };
}

function deps(client: TaskTokenClient) {
  const handled: AckHandling[] = [];
  const sleeps: number[] = [];
  return {
    handled,
    sleeps,
    deps: {
      tasks: client,
      metrics: { ackHandled: (h: AckHandling) => void handled.push(h) },
      rng: { next: () => 0.5 },
      sleep: async (ms: number) => void sleeps.push(ms),
    },
  };
}

describe('ack interpretation', () => {
  it('maps each status to heartbeat, success or a named failure', () => {
    // Act
    const outcomes = (['received', 'executed', 'rejected', 'expired'] as const).map((status) =>
      interpretAck({ ...baseAck, status }),
    );

    // Assess
    expect(outcomes.map((o) => o.kind)).toEqual(['heartbeat', 'success', 'failure', 'failure']);
    expect(outcomes[2]).toMatchObject({ error: ACK_ERRORS.rejected });
    expect(outcomes[3]).toMatchObject({ error: ACK_ERRORS.expired });
    expect(outcomes[1]).toMatchObject({ output: { commandId: baseAck.commandId, executionMs: 900 } });
  });

  it('treats refusals of a settled token as harmless and others as faults', () => {
    // Act / Assess
    expect(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].every(isSettledTokenError)).toBe(true);
    expect(isSettledTokenError('AccessDeniedException')).toBe(false);
  });
});

describe('the ack handler', () => {
  it('settles an executed ack with SendTaskSuccess', async () => {
    // Prepare
    const { client, calls } = recordingClient([]);
    const { deps: d, handled } = deps(client);

    // Act
    const result = await handleAck(baseAck, d);

    // Assess
    expect(result.handling).toBe('settled');
    expect(calls).toEqual(['success:token-1']);
    expect(handled).toEqual(['settled']);
  });

  it('counts a duplicate or late ack instead of failing', async () => {
    // Prepare
    const { client } = recordingClient([{ ok: false, error: 'TaskTimedOut' }]);
    const { deps: d, handled } = deps(client);

    // Act
    const result = await handleAck({ ...baseAck, status: 'rejected', reason: 'stale-seq', repeated: true }, d);

    // Assess
    expect(result).toEqual({ handling: 'late-or-duplicate', detail: 'TaskTimedOut' });
    expect(handled).toEqual(['late-or-duplicate']);
  });

  it('retries a throttled call with jittered backoff, then gives up loudly', async () => {
    // Prepare
    const throttled = { ok: false as const, error: 'ThrottlingException' };
    const { client, calls } = recordingClient([throttled, throttled, throttled, throttled, throttled]);
    const { deps: d, sleeps } = deps(client);

    // Act
    const run = handleAck(baseAck, d);

    // Assess
    await expect(run).rejects.toThrow(/ThrottlingException/);
    expect(calls).toHaveLength(5);
    expect(sleeps).toEqual([25, 50, 100, 200]);
  });

  it('counts an invalid ack and an ack without token without calling Step Functions', async () => {
    // Prepare
    const { client, calls } = recordingClient([]);
    const { deps: d, handled } = deps(client);
    const { taskToken: _token, ...untracked } = baseAck;

    // Act
    await handleAck({ ...baseAck, seq: -1 }, d);
    await handleAck(untracked, d);

    // Assess
    expect(handled).toEqual(['invalid', 'untracked']);
    expect(calls).toEqual([]);
  });
});

describe('AWS adapters of the switching path', () => {
  it('returns Step Functions refusals by name instead of throwing', async () => {
    // Prepare
    const refusal = Object.assign(new Error('task timed out'), { name: 'TaskTimedOut' });
    const sent: unknown[] = [];
    const client = new SfnTaskTokenClient({
      send: async (command: unknown) => {
        sent.push(command);
        if (sent.length > 1) throw refusal;
        return {};
      },
    } as never);

    // Act
    const first = await client.sendSuccess('t-1', { ok: 1 });
    const second = await client.sendFailure('t-1', 'Ack.Rejected', 'cause');

    // Assess
    expect(first).toEqual({ ok: true });
    expect(second).toEqual({ ok: false, error: 'TaskTimedOut' });
    expect((sent[0] as { input: unknown }).input).toEqual({ taskToken: 't-1', output: '{"ok":1}' });
  });

  it('publishes a command as JSON at QoS 1 on its site’s command topic', async () => {
    // Prepare
    const inputs: Array<{ topic: string; qos: number; payload: Uint8Array }> = [];
    const publisher = new IotCommandPublisher({
      send: async (command: { input: { topic: string; qos: number; payload: Uint8Array } }) =>
        void inputs.push(command.input),
    } as never);
    const command = buildSafeModeCommand({
      siteId: 'site-a',
      seq: 3,
      epoch: 1,
      commandId: baseAck.commandId,
      nowMs: 0,
      reason: 'r',
    });

    // Act
    await publisher.publish(command);

    // Assess
    expect(inputs[0]).toMatchObject({ topic: 'hcp/v1/sites/site-a/commands', qos: 1 });
    expect(JSON.parse(new TextDecoder().decode(inputs[0]!.payload))).toEqual(command);
  });
});
