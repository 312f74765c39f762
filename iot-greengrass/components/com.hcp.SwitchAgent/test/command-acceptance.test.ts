import fc from 'fast-check';
import type { Ack } from '../../../../core/messages/ack.js';
import { type AcceptanceState, decide, remember } from '../src/command-acceptance.js';
import { commandMessage as command, NOW_MS, SITE, uuid } from './fixtures.js';

function ackFor(c: { commandId: string; seq: number }): Ack {
  return {
    commandId: c.commandId,
    siteId: SITE,
    seq: c.seq,
    status: 'executed',
    reason: 'ok',
    repeated: false,
    timings: { receivedAt: new Date(NOW_MS).toISOString(), executedAt: new Date(NOW_MS).toISOString() },
  };
}

/** Runs a stream of deliveries through decide/remember as the agent does; returns the ids executed, in order. */
function run(deliveries: ReadonlyArray<ReturnType<typeof command>>): { executed: string[]; state: AcceptanceState } {
  let state: AcceptanceState = { lastSeq: 0, highestEpoch: 1, recent: [] };
  const executed: string[] = [];
  for (const delivery of deliveries) {
    const decision = decide(delivery, state, SITE, NOW_MS);
    if (decision.kind === 'accept') {
      executed.push(delivery.commandId);
      state = remember(
        state,
        { commandId: delivery.commandId, fingerprint: decision.fingerprint, ack: ackFor(delivery) },
        512,
        { seq: delivery.seq, epoch: 1 },
      );
    }
  }
  return { executed, state };
}

describe('command acceptance', () => {
  it('accepts a fresh command with a higher sequence number', () => {
    expect(decide(command(1, uuid(1)), { lastSeq: 0, highestEpoch: 1, recent: [] }, SITE, NOW_MS).kind).toBe('accept');
  });

  it('rejects a command whose sequence number is stale', () => {
    const decision = decide(command(4, uuid(2)), { lastSeq: 4, highestEpoch: 1, recent: [] }, SITE, NOW_MS);
    expect(decision).toMatchObject({ kind: 'reject', reason: 'stale-seq' });
  });

  it('answers a known command id with its last ack, marked repeated', () => {
    const first = command(3, uuid(3));
    const { state } = run([first]);
    const decision = decide(first, state, SITE, NOW_MS);
    expect(decision).toMatchObject({ kind: 'repeat', ack: { commandId: uuid(3), status: 'executed', repeated: true } });
  });

  it('refuses a known command id carrying a different body', () => {
    const { state } = run([command(3, uuid(3))]);
    const decision = decide(command(3, uuid(3), { payload: { reason: 'other' } }), state, SITE, NOW_MS);
    expect(decision).toMatchObject({ kind: 'reject', reason: 'duplicate-command' });
  });

  it('refuses a command from an older epoch, even with a higher sequence number (fencing)', () => {
    // Prepare
    const state: AcceptanceState = { lastSeq: 4, highestEpoch: 3, recent: [] };

    // Act
    const decision = decide(command(1016, uuid(1016), { epoch: 2 }), state, SITE, NOW_MS);

    // Assess
    expect(decision).toMatchObject({ kind: 'reject', reason: 'stale-epoch' });
  });

  it('never lets a refused or expired command move lastSeq or the epoch', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.constantFrom('epoch', 'expired', 'wrong-site'),
        (seq, why) => {
          // Prepare
          const before: AcceptanceState = { lastSeq: 3, highestEpoch: 2, recent: [] };
          const overrides =
            why === 'epoch'
              ? { epoch: 1 }
              : why === 'expired'
                ? { validUntil: new Date(NOW_MS).toISOString() }
                : { siteId: 'site-other' };

          // Act
          const decision = decide(command(seq, uuid(7), overrides), before, SITE, NOW_MS);

          // Assess: only an accept reaches remember(), the one place the counters move.
          expect(decision.kind).not.toBe('accept');
        },
      ),
    );
  });

  it('refuses a sequence number above the schema’s bound instead of accepting it for good', () => {
    const decision = decide(command(2 ** 40 + 1, uuid(8)), { lastSeq: 0, highestEpoch: 1, recent: [] }, SITE, NOW_MS);
    expect(decision).toMatchObject({ kind: 'invalid' });
  });

  it('marks a command expired once validUntil has passed', () => {
    const late = command(9, uuid(9), { validUntil: new Date(NOW_MS).toISOString() });
    expect(decide(late, { lastSeq: 0, highestEpoch: 1, recent: [] }, SITE, NOW_MS).kind).toBe('expired');
  });

  it('reads the envelope of an invalid command so it can be rejected by id', () => {
    const decision = decide(
      { commandId: uuid(5), seq: 5, kind: 'nonsense' },
      { lastSeq: 0, highestEpoch: 1, recent: [] },
      SITE,
      NOW_MS,
    );
    expect(decision).toMatchObject({ kind: 'invalid', envelope: { commandId: uuid(5), seq: 5 } });
    expect(decide('garbage', { lastSeq: 0, highestEpoch: 1, recent: [] }, SITE, NOW_MS)).toMatchObject({
      kind: 'invalid',
    });
  });

  it('never executes a command id twice and executes only strictly increasing sequence numbers, whatever the delivery order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 1, max: 30 }), id: fc.integer({ min: 1, max: 20 }) }), {
          maxLength: 60,
        }),
        (stream) => {
          // The same id always carries the same seq and body, as a real retry does.
          const seqOf = new Map<number, number>();
          const deliveries = stream.map(({ seq, id }) => {
            if (!seqOf.has(id)) seqOf.set(id, seq);
            return command(seqOf.get(id)!, uuid(id));
          });
          const { executed } = run(deliveries);
          expect(new Set(executed).size).toBe(executed.length);
          const seqs = executed.map((id) => deliveries.find((d) => d.commandId === id)!.seq);
          for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
        },
      ),
    );
  });
});
