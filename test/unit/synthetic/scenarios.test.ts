import { parseCliArgs, UsageError } from '../../../sim/synthetic/cli-args.js';
import { listScenarios, loadScenario, parseScenario, ScenarioError } from '../../../sim/synthetic/scenario-files.js';

const problemsOf = (act: () => unknown): string[] => {
  try {
    act();
  } catch (error) {
    if (error instanceof ScenarioError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ScenarioError');
};

const minimal = () => ({ name: 'custom', description: 'test', start: '2025-01-13T06:00:00Z' });

describe('scenario files', () => {
  it('ships the six named scenarios and each one validates', () => {
    // Act
    const names = listScenarios();

    // Assess
    expect(names).toEqual(
      expect.arrayContaining([
        'baseline-week',
        'summer-scarcity',
        'winter-storm',
        'halving',
        'inference-surge',
        'grid-emergency',
      ]),
    );
    for (const name of names) expect(loadScenario(name).name).toBe(name);
  });

  it('fills defaults for omitted sections', () => {
    // Act
    const scenario = parseScenario(minimal(), 'inline');

    // Assess
    expect(scenario.days).toBe(7);
    expect(scenario.market.nodes.map((n) => n.node)).toEqual(['HB_SOUTH', 'HB_WEST', 'HB_NORTH']);
    expect(scenario.workloads.jobsPerHour).toBeGreaterThan(0);
  });

  it('names the field of a wrong value, with its path', () => {
    // Prepare
    const bad = {
      ...minimal(),
      market: { scarcityWindows: [{ startHour: 1, durationHours: -2, hazardMultiplier: 2 }] },
    };

    // Act
    const problems = problemsOf(() => parseScenario(bad, 'inline'));

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^market\.scarcityWindows\.0\.durationHours: /)]);
  });

  it('rejects an unknown field instead of ignoring it', () => {
    // Act
    const problems = problemsOf(() => parseScenario({ ...minimal(), bitcoin: { startPriceUSD: 1 } }, 'inline'));

    // Assess
    expect(problems.join()).toMatch(/bitcoin: .*startPriceUSD/);
  });

  it('rejects a start that is not on the hour', () => {
    // Act
    const problems = problemsOf(() => parseScenario({ ...minimal(), start: '2025-01-13T06:30:00Z' }, 'inline'));

    // Assess
    expect(problems).toEqual(['start: must be on the hour']);
  });

  it('names an unknown scenario and lists the known ones', () => {
    // Act
    const problems = problemsOf(() => loadScenario('summer-scarcty'));

    // Assess
    expect(problems[0]).toContain('unknown scenario "summer-scarcty"');
    expect(problems[0]).toContain('summer-scarcity');
  });
});

describe('gen command-line flags', () => {
  const usageMessage = (argv: string[]) => {
    try {
      parseCliArgs(argv);
    } catch (error) {
      if (error instanceof UsageError) return error.message;
      throw error;
    }
    throw new Error('expected a UsageError');
  };

  it('parses a full generate command', () => {
    expect(parseCliArgs(['--scenario', 'halving', '--days', '3', '--seed', '9', '--out', 'x'])).toEqual({
      kind: 'generate',
      scenario: 'halving',
      days: 3,
      seed: 9,
      out: 'x',
    });
  });

  it.each([
    [['--scenario', 'halving', '--days', 'three'], '--days: expected an integer from 1 to 366'],
    [['--scenario', 'halving', '--days', '0'], '--days: '],
    [['--scenario', 'halving', '--seed', '1.5'], '--seed: expected an integer from 0 to 4294967295'],
    [['--scenario', 'halving', '--dayz', '3'], '--dayz: unknown flag'],
    [['--days', '3'], '--scenario: required'],
    [['--compare', '--scenario', 'halving'], '--compare: takes no --scenario'],
  ])('rejects %j naming the flag', (argv, expected) => {
    expect(usageMessage(argv)).toContain(expected);
  });
});
