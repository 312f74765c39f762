import fc from 'fast-check';
import { commandSchema } from '../../../core/messages/command.js';
import {
  buildApplyPlanCommand,
  buildOverrideCommand,
  buildSafeModeCommand,
  COMMAND_VALID_FOR_MS,
  nextSeq,
  SAFE_MODE,
  SAFE_MODE_HOLD_MS,
  switchFlowInputSchema,
} from '../../../core/switching/command.js';
import { planFor } from './plan-fixture.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const ID = '0b8f4a52-3f1e-4d5b-9a57-2a8c0b6f1e11';

describe('switching commands', () => {
  it('issues strictly increasing sequence numbers from 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (count) => {
        // Act
        const seqs: number[] = [];
        let last: number | undefined;
        for (let i = 0; i < count; i++) {
          last = nextSeq(last);
          seqs.push(last);
        }

        // Assess
        expect(seqs[0]).toBe(1);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      }),
    );
  });

  it('builds a valid apply-plan command carrying only its own site, valid for a bounded window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e9 }), (seq, offsetMs) => {
        // Prepare
        const plan = planFor(3, { 'site-a': 10, 'site-b': 4 }, NOW);

        // Act
        const command = buildApplyPlanCommand({
          plan,
          siteId: 'site-b',
          seq,
          epoch: 1,
          commandId: ID,
          nowMs: NOW + offsetMs,
        });

        // Assess
        expect(commandSchema.safeParse(command).success).toBe(true);
        expect(command.seq).toBe(seq);
        expect(Date.parse(command.validUntil) - Date.parse(command.issuedAt)).toBe(COMMAND_VALID_FOR_MS);
        expect(command.kind === 'apply-plan' && command.payload.plan.sites.map((s) => s.siteId)).toEqual(['site-b']);
      }),
    );
  });

  it('refuses to build a command for a site the plan does not have', () => {
    // Act / Assess
    expect(() =>
      buildApplyPlanCommand({
        plan: planFor(1, { 'site-a': 1 }, NOW),
        siteId: 'site-z',
        seq: 1,
        epoch: 1,
        commandId: ID,
        nowMs: NOW,
      }),
    ).toThrow(/no site site-z/);
  });

  it('builds the safe-mode command: ASICs curtailed for a bounded hold, no task token', () => {
    // Act
    const command = buildSafeModeCommand({
      siteId: 'site-a',
      seq: 9,
      epoch: 1,
      commandId: ID,
      nowMs: NOW,
      reason: 'x'.repeat(900),
    });

    // Assess
    expect(command).toMatchObject({ kind: 'set-mode', seq: 9, payload: { mode: SAFE_MODE } });
    expect(command.taskToken).toBeUndefined();
    expect(command.kind === 'set-mode' && Date.parse(command.payload.expiresAt) - NOW).toBe(SAFE_MODE_HOLD_MS);
    expect(command.kind === 'set-mode' && command.payload.reason.length).toBe(500);
  });

  it('turns an operator override into its command kind', () => {
    // Act
    const command = buildOverrideCommand({
      siteId: 'site-a',
      seq: 2,
      epoch: 1,
      commandId: ID,
      nowMs: NOW,
      override: { kind: 'curtail', shedKw: 1200, reason: 'ERS deployment', expiresAt: '2026-11-28T13:00:00Z' },
    });

    // Assess
    expect(command).toMatchObject({ kind: 'curtail', payload: { shedKw: 1200, reason: 'ERS deployment' } });
  });

  it('accepts a flow input with exactly one of planVersion and override, or a restore without an override', () => {
    // Prepare
    const override = { kind: 'set-mode', mode: 'all-off', reason: 'maintenance', expiresAt: '2026-11-28T13:00:00Z' };

    // Act
    const results = [
      switchFlowInputSchema.safeParse({ siteId: 'site-a', planVersion: 4 }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a', override, requestedBy: 'user:ops-1' }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a' }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a', planVersion: 4, override }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a', restore: { reason: 'cancelled' } }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a', planVersion: 4, restore: { reason: 'cancelled' } }),
      switchFlowInputSchema.safeParse({ siteId: 'site-a', override, restore: { reason: 'cancelled' } }),
    ];

    // Assess
    expect(results.map((r) => r.success)).toEqual([true, true, false, false, true, true, false]);
    expect(results[0]!.data?.requestedBy).toBe('optimizer');
  });
});
