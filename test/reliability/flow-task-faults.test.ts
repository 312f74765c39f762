import { seededRng } from '../../core/support/random.js';
import { type FaultCounts, flakyTaskHandlers } from '../../sim/local/fault-injection.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { recordFigure } from './support/figures.js';
import { type SiteHarness, startSiteHarness } from './support/site-harness.js';
import { expectSwitchedOrCompensated, runOverrideSwitches } from './support/switch-runs.js';

/**
 * SwitchFlow's Lambda tasks fail 20% of the time (seeded): half before doing anything, half after doing their work
 * (the result lost, as when a Lambda times out late). The flows run from the synthesized ASL with its Retry/Catch,
 * against the real gateway. Documented outcome: every execution ends (switched, or compensated into safe mode), no
 * lock outlives its flow, and every switch the flow reports done is committed, audited and in force on the gateway.
 */

const RUNS = 50;
const counts = new Map<string, FaultCounts>();
let h: SiteHarness;

beforeAll(async () => {
  h = await startSiteHarness(synthesizeControlFlows(), {
    wrapTasks: (handlers) => flakyTaskHandlers(handlers, { rate: 0.2, rng: seededRng(20), counts }),
    switchAgent: { heartbeatTimeoutMs: 86_400_000 },
  });
  await h.restartGateway();
}, 60_000);

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
    recordFigure('flow-faults.executions', RUNS, 'SwitchFlow executions');
    recordFigure('flow-faults.succeeded', succeeded, 'executions');
    recordFigure('flow-faults.compensated', RUNS - succeeded, 'executions');
    recordFigure('flow-faults.injected-failures', injected, 'task failures (before + after the work)');
    recordFigure('flow-faults.duplicate-commit-audits', report.duplicateCommitAudits, 'extra switch.commit entries');
  }, 120_000);
});
