import { marketTopic, siteTopic } from '../../../core/messages/topics.js';
import { until } from '../../support/until.js';
import { count, type Harness, INTERVAL_MS, nextSeq, planWith, SITE_ID, startHarness } from './harness.js';

describe('SwitchAgent commands, restarts and watchdog over the embedded broker', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({ asics: 16, gpuNodes: 1 });
  });
  afterEach(async () => {
    await h.stop();
  });

  const finalAck = (commandId: string) => (acks: typeof h.acks) =>
    acks.some((a) => a.commandId === commandId && a.status !== 'received');

  it('rejects stale, repeated, out-of-order, reused-id and expired commands without executing them', async () => {
    // Prepare
    await h.startGateway();
    const high = h.command('set-mode', { mode: 'all-on', reason: 'test', expiresAt: '2026-07-01T16:00:00Z' });
    high.seq = nextSeq() + 5;
    await h.send(high);
    await h.waitForAcks(finalAck(high.commandId));
    const executionsBefore = h.gateway.state().switchAgent.executions;

    // Act
    const sameSeq = {
      ...h.command('set-mode', { mode: 'all-off', reason: 'x', expiresAt: '2026-07-01T16:00:00Z' }),
      seq: high.seq,
    };
    const older = {
      ...h.command('set-mode', { mode: 'all-off', reason: 'x', expiresAt: '2026-07-01T16:00:00Z' }),
      seq: high.seq - 2,
    };
    const reusedId = {
      ...h.command('set-mode', { mode: 'all-off', reason: 'x', expiresAt: '2026-07-01T16:00:00Z' }),
      commandId: high.commandId,
    };
    const expired = h.command(
      'set-mode',
      { mode: 'all-off', reason: 'x', expiresAt: '2026-07-01T16:00:00Z' },
      {
        issuedAt: '2026-07-01T14:50:00Z',
        validUntil: '2026-07-01T14:59:59Z',
      },
    );
    expired.seq = high.seq + 10;
    for (const c of [sameSeq, older, reusedId, expired]) await h.send(c);
    await h.waitForAcks((acks) => acks.filter((a) => a.status === 'rejected' || a.status === 'expired').length >= 4);

    // Assess
    const verdict = (id: string, seq: number) =>
      h.acks.find((a) => a.commandId === id && a.seq === seq && a.status !== 'executed');
    expect(verdict(sameSeq.commandId, sameSeq.seq)).toMatchObject({ status: 'rejected', reason: 'stale-seq' });
    expect(verdict(older.commandId, older.seq)).toMatchObject({ status: 'rejected', reason: 'stale-seq' });
    expect(h.acks.find((a) => a.commandId === high.commandId && a.reason === 'duplicate-command')).toBeDefined();
    expect(verdict(expired.commandId, expired.seq)).toMatchObject({ status: 'expired', taskToken: expired.taskToken });
    expect(h.gateway.state().switchAgent.executions).toBe(executionsBefore);
    expect(h.gateway.state().switchAgent.lastSeq).toBe(high.seq);
    expect(count(h.awake('west-s21-a'))).toBe(h.awake('west-s21-a').length);
  });

  it('answers a command whose ack was lost by re-acknowledging, never by executing it twice', async () => {
    // Prepare
    await h.startGateway();
    const curtail = h.command('curtail', { shedKw: 1000, reason: 'test', expiresAt: '2026-07-01T16:00:00Z' });
    await h.send(curtail);
    await h.waitForAcks(finalAck(curtail.commandId));

    // Act: the flow did not see the ack and sends the same command again.
    await h.send(curtail);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === curtail.commandId && a.repeated));

    // Assess
    const repeated = h.acks.filter((a) => a.commandId === curtail.commandId && a.repeated);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]).toMatchObject({ status: 'executed', reason: 'ok', taskToken: curtail.taskToken });
    expect(h.gateway.state().switchAgent.executions).toBe(1);
    expect(h.acks.filter((a) => a.commandId === curtail.commandId && !a.repeated).map((a) => a.status)).toEqual([
      'received',
      'executed',
    ]);
  });

  it('resumes the plan from disk after a restart mid-plan', async () => {
    // Prepare
    await h.startGateway();
    const apply = h.command('apply-plan', {
      plan: planWith([{ 'west-s21-a': 1 }, { 'west-s21-a': 0 }, { 'west-s21-a': 0.5 }]),
    });
    await h.send(apply);
    await h.waitForAcks(finalAck(apply.commandId));
    await h.gateway.stop();

    // Act: down across a boundary, then up again on the same state directory.
    h.clock.advanceMs(INTERVAL_MS + 10_000);
    await h.startGateway();

    // Assess
    expect(h.gateway.state().switchAgent).toMatchObject({ planVersion: 1, intervalIndex: 1, lastSeq: apply.seq });
    expect(count(h.awake('west-s21-a'))).toBe(0);
    h.clock.advanceMs(INTERVAL_MS);
    await h.gateway.tick();
    expect(count(h.awake('west-s21-a'))).toBe(Math.round(h.awake('west-s21-a').length / 2));
    await h.send(apply);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === apply.commandId && a.repeated));
    expect(h.gateway.state().switchAgent.executions).toBe(0);
  });

  it('falls back to the default mode when the heartbeat is missing for its configured time (±1 s)', async () => {
    // Prepare
    const statuses: Array<{ mode: string; fallbackReason?: string }> = [];
    h.cloud.on('message', (topic, payload) => {
      if (topic === siteTopic(SITE_ID, 'heartbeat')) statuses.push(JSON.parse(payload.toString()));
    });
    await h.cloud.subscribeAsync(siteTopic(SITE_ID, 'heartbeat'), { qos: 1 });
    await h.startGateway({ config: { switchAgent: { heartbeatTimeoutMs: 30_000, defaultMode: 'curtail-asics' } } });
    const apply = h.command('apply-plan', { plan: planWith([{}, {}, {}]) });
    await h.send(apply);
    await h.waitForAcks(finalAck(apply.commandId));
    const all = h.awake('west-s21-a').length;

    // Act
    h.clock.advanceMs(29_000);
    await h.gateway.tick();
    const at29s = count(h.awake('west-s21-a'));
    h.clock.advanceMs(2_000);
    await h.gateway.tick();
    const at31s = count(h.awake('west-s21-a'));

    // Assess
    expect(at29s).toBe(all);
    expect(at31s).toBe(0);
    expect(h.gateway.state().switchAgent).toMatchObject({ mode: 'curtail-asics', fallbackReason: 'heartbeat-missing' });
    // The gateway's own status heartbeat tells the platform it is running on its fallback.
    await until('a status heartbeat on the fallback', () =>
      statuses.some((s) => s.fallbackReason === 'heartbeat-missing'),
    );
    expect(statuses.at(-1)).toMatchObject({ mode: 'curtail-asics', fallbackReason: 'heartbeat-missing' });

    // The cloud is heard again (a market signal it relays): the plan comes back.
    const signal = { kind: 'price', at: new Date(h.clock.nowMs()).toISOString(), node: 'HB_WEST', priceUsdPerMwh: 20 };
    await h.cloud.publishAsync(marketTopic('HB_WEST'), JSON.stringify(signal), { qos: 1 });
    await until(
      'the relayed signal to reach the gateway',
      () => h.gateway.state().switchAgent.lastHeartbeatMs >= h.clock.nowMs(),
    );
    await h.gateway.tick();
    expect(count(h.awake('west-s21-a'))).toBe(all);
  });
});
