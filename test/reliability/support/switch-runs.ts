import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SiteMode } from '../../../core/messages/command.js';
import { siteLockKey } from '../../../functions/shared/data/site-lock.js';
import { eventually, overrideRequest, SITE_ID, type SiteHarness, TABLE_NAME } from './site-harness.js';

/**
 * Runs operator overrides through SwitchFlow one after another (alternating all-off and all-on) and checks after each
 * what the flows promise whatever fails underneath: the execution ended, its lock is gone, and a switch reported
 * SUCCEEDED is committed, audited and in force on the gateway; a failed one left the site in safe mode.
 */
export interface SwitchRunReport {
  readonly outcomes: ReadonlyArray<{ status: string; error?: string; mode: SiteMode; gatewayMode: SiteMode }>;
  readonly locksLeft: unknown[];
  readonly notInForce: unknown[];
  readonly duplicateCommitAudits: number;
}

export async function runOverrideSwitches(h: SiteHarness, runs: number): Promise<SwitchRunReport> {
  const outcomes: Array<{ status: string; error?: string; mode: SiteMode; gatewayMode: SiteMode }> = [];
  const locksLeft: unknown[] = [];
  const notInForce: unknown[] = [];
  for (let run = 0; run < runs; run++) {
    const mode: SiteMode = run % 2 === 0 ? 'all-off' : 'all-on';
    h.clock.advanceMs(60_000);
    const result = await h.runSwitchFlow(overrideRequest(h, mode, `run ${run}`));
    // Judged on a client no fault is injected into: the flows' own client may be throttled or losing answers.
    const lock = (await h.inspect.client.send(new GetCommand({ TableName: TABLE_NAME, Key: siteLockKey(SITE_ID) })))
      .Item;
    if (lock) locksLeft.push({ run, lock });
    const state = await h.inspect.switchStates.get(SITE_ID);
    // What the gateway runs once the last command (the switch, or its compensation) has reached it.
    await eventually(() => h.gateway.state().switchAgent.lastSeq === state?.seq);
    const gatewayMode = h.gateway.state().switchAgent.mode;
    if (result.status === 'SUCCEEDED') {
      const commandId = (result.output as { ack: { commandId: string } }).ack.commandId;
      const audited = h.audit.some((e) => e.action === 'switch.commit' && e.detail.commandId === commandId);
      if (state?.status !== 'committed' || state.commandId !== commandId || !audited || gatewayMode !== mode) {
        notInForce.push({ run, state, audited, gatewayMode });
      }
    }
    outcomes.push({ status: result.status, ...(result.error ? { error: result.error } : {}), mode, gatewayMode });
  }
  const commits = h.audit.filter((e) => e.action === 'switch.commit');
  return {
    outcomes,
    locksLeft,
    notInForce,
    duplicateCommitAudits: commits.length - new Set(commits.map((e) => e.detail.commandId)).size,
  };
}

/** The documented outcome of each execution: switched into its mode, or compensated into safe mode. */
export function expectSwitchedOrCompensated(report: SwitchRunReport, runs: number): void {
  expect(report.outcomes).toHaveLength(runs);
  for (const o of report.outcomes) {
    if (o.status === 'SUCCEEDED') expect(o.gatewayMode).toBe(o.mode);
    else expect(o).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated', gatewayMode: 'curtail-asics' });
  }
  expect(report.locksLeft).toEqual([]);
  expect(report.notInForce).toEqual([]);
}
