import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import type { AuditEntry } from '../../core/api/audit.js';
import { seededRng } from '../../core/support/random.js';
import { listAudit, verifyAudit } from '../../functions/shared/data/audit-log.js';
import { type FaultCounts, flakyTaskHandlers } from '../../sim/local/fault-injection.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { recordFigure } from './support/figures.js';
import { type SiteHarness, startSiteHarness, TABLE_NAME } from './support/site-harness.js';
import { expectSwitchedOrCompensated, runOverrideSwitches } from './support/switch-runs.js';

/**
 * SwitchFlow's Lambda tasks fail 20% of the time (seeded): half before doing anything, half after doing their work
 * (the result lost, as when a Lambda times out late). The flows run from the synthesized ASL with its Retry/Catch,
 * against the real gateway. Documented outcome: every execution ends (switched, or compensated into safe mode), no
 * lock outlives its flow, and every switch the flow reports done is committed, audited and in force on the gateway.
 * The audit goes to the platform's hash chain in DynamoDB as deployed: a commit retried after its answer was lost
 * appends nothing more, so the chain holds one `switch.commit` entry per command and still verifies.
 */

const RUNS = 50;
const counts = new Map<string, FaultCounts>();
let h: SiteHarness;

beforeAll(async () => {
  h = await startSiteHarness(synthesizeControlFlows(), {
    wrapTasks: (handlers) => flakyTaskHandlers(handlers, { rate: 0.2, rng: seededRng(20), counts }),
    switchAgent: { heartbeatTimeoutMs: 86_400_000 },
    chainedAudit: true,
  });
  await h.restartGateway();
});

afterAll(async () => {
  await h?.stop();
});

describe('SwitchFlow with Lambda tasks failing 20% of the time', () => {
  it('ends every execution switched or compensated, with no lock left and nothing reported switched lost', async () => {
    // Act
    const report = await runOverrideSwitches(h, RUNS);

    // Assess
    const injected = [...counts.values()].reduce((n, c) => n + c.before + c.after, 0);
    expect(injected).toBeGreaterThan(0);
    expectSwitchedOrCompensated(report, RUNS);
    const succeeded = report.outcomes.filter((o) => o.status === 'SUCCEEDED').length;
    // Assess: one chained commit entry per command, though some commit appends ran twice (retried after the work).
    const chain = await readPlatformChain(h);
    const commits = chain.filter((e) => e.action === 'switch.commit').map((e) => String(e.detail?.commandId));
    expect(commits.length - new Set(commits).size).toBe(0);
    expect(commits).toHaveLength(succeeded);
    expect(await verifyAudit({ client: h.client, tableName: TABLE_NAME }, PLATFORM_TENANT_ID)).toMatchObject({
      ok: true,
      checked: chain.length,
    });
    console.log(
      `${RUNS} SwitchFlows, ${injected} injected failures, ${succeeded} succeeded; ` +
        `${report.duplicateCommitAudits} commit appends repeated by retries, ` +
        `${commits.length - new Set(commits).size} duplicate switch.commit entries in the chain (${chain.length} entries)`,
    );
    recordFigure('flow-faults.executions', RUNS, 'SwitchFlow executions');
    recordFigure('flow-faults.succeeded', succeeded, 'executions');
    recordFigure('flow-faults.compensated', RUNS - succeeded, 'executions');
    recordFigure('flow-faults.injected-failures', injected, 'task failures (before + after the work)');
    recordFigure('flow-faults.repeated-commit-appends', report.duplicateCommitAudits, 'commit appends run again');
    recordFigure('flow-faults.duplicate-commit-audits', commits.length - new Set(commits).size, 'extra chain entries');
  });
});

/** The platform chain's entries, oldest first (one page: a few per SwitchFlow). */
async function readPlatformChain(h: SiteHarness): Promise<AuditEntry[]> {
  const page = await listAudit({ client: h.client, tableName: TABLE_NAME }, PLATFORM_TENANT_ID, 1000);
  expect(page.nextCursor).toBeUndefined();
  return page.items;
}
