import { Template } from 'aws-cdk-lib/assertions';
import { OPTIMIZE_STATES } from '../../functions/shared/flow-states.js';
import { extractAsl } from '../../sim/local/stepfunctions/template-asl.js';
import { EXECUTION_ALREADY_EXISTS, SWITCH_ALREADY_STARTED } from '../../stacks/constructs/optimize-flow.js';
import { synthesizedApp } from './app-fixture.js';

type State = Record<string, unknown> & {
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
};

const { stacks } = synthesizedApp();
const definition = extractAsl(Template.fromStack(stacks.control).toJSON(), 'OptimizeFlow') as unknown as {
  States: Record<string, State & { ItemProcessor?: { States: Record<string, State> } }>;
};

describe('OptimizeFlow starting its SwitchFlows', () => {
  const iteration = definition.States[OPTIMIZE_STATES.switchSites]!.ItemProcessor!.States;
  const start = iteration[OPTIMIZE_STATES.startSwitch]!;

  it('ends the iteration as started when the SwitchFlow execution already exists', () => {
    // Assess: caught into a Pass that ends the iteration, so the Map and the run succeed.
    expect(start.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: [EXECUTION_ALREADY_EXISTS], Next: SWITCH_ALREADY_STARTED }),
    ]);
    expect(iteration[SWITCH_ALREADY_STARTED]).toMatchObject({
      Type: 'Pass',
      End: true,
      Parameters: { 'siteId.$': '$.siteId', alreadyStarted: true },
    });
  });

  it('does not retry a start refused as already existing, and retries the rest', () => {
    // Assess: the first retrier that matches the error decides; for ExecutionAlreadyExists it allows no attempt.
    const retriers = start.Retry as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
    const matching = retriers.find(
      (r) => r.ErrorEquals.includes(EXECUTION_ALREADY_EXISTS) || r.ErrorEquals.includes('States.ALL'),
    );
    expect(matching?.ErrorEquals).toContain(EXECUTION_ALREADY_EXISTS);
    expect(matching?.MaxAttempts).toBe(0);
    expect(retriers.some((r) => r.ErrorEquals.includes('States.ALL') && (r.MaxAttempts ?? 3) > 0)).toBe(true);
  });
});
