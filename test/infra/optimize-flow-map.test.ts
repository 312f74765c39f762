import { Template } from 'aws-cdk-lib/assertions';
import { OPTIMIZE_STATES } from '../../functions/shared/flow-states.js';
import { extractAsl } from '../../sim/local/stepfunctions/template-asl.js';
import { synthesizedApp } from './app-fixture.js';

type State = Record<string, unknown>;

const { stacks } = synthesizedApp();
const definition = extractAsl(Template.fromStack(stacks.control).toJSON(), 'OptimizeFlow') as unknown as {
  StartAt: string;
  States: Record<string, State & { ItemProcessor?: { States: Record<string, State> } }>;
};

describe('OptimizeFlow solving its sites in a Map', () => {
  it('solves each batch of sites in a Map iteration, 40 at a time, keeping results out of the payload', () => {
    // Prepare
    const map = definition.States[OPTIMIZE_STATES.solveSites]!;

    // Assess
    expect(definition.StartAt).toBe(OPTIMIZE_STATES.prepare);
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.dispatch.batches',
      MaxConcurrency: 40,
      ResultPath: null,
      Next: OPTIMIZE_STATES.coordinate,
    });
    expect(Object.keys(map.ItemProcessor!.States)).toEqual([OPTIMIZE_STATES.solveBatch]);
  });

  it('runs the Map again until the coordinate step says the round was the last, then persists', () => {
    // Prepare
    const choice = definition.States[OPTIMIZE_STATES.roundDone] as {
      Choices: Array<{ Variable: string; BooleanEquals: boolean; Next: string }>;
      Default: string;
    };

    // Assess
    expect(choice.Choices).toEqual([
      expect.objectContaining({ Variable: '$.round.done', BooleanEquals: true, Next: OPTIMIZE_STATES.persist }),
    ]);
    expect(choice.Default).toBe(OPTIMIZE_STATES.solveSites);
  });
});
