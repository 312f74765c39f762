import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MATRIX_FILE, type MatrixInputs, problemsOf, readInputs, renderMatrix } from '../../bin/compliance/matrix.js';
import { appFromCdkJson, nagEvidence } from '../../bin/compliance/nag-evidence.js';
import { projectRoot } from '../support/paths.js';

/** The compliance matrix (docs/compliance/CONTROL-MATRIX.md) against what it is generated from. */
const inputs = readInputs(projectRoot, nagEvidence(appFromCdkJson(path.join(projectRoot, 'cdk.json'))));

/** The first line where two texts differ, to say what is stale without printing both documents. */
function firstDifference(committed: string, fresh: string): string | undefined {
  const [a, b] = [committed.split('\n'), fresh.split('\n')];
  const line = a.findIndex((text, i) => text !== b[i]);
  if (line === -1 && a.length === b.length) return undefined;
  const at = line === -1 ? Math.min(a.length, b.length) : line;
  return `line ${at + 1}:\n  committed: ${a[at] ?? '(end)'}\n  generated: ${b[at] ?? '(end)'}`;
}

describe('the compliance matrix (#30 item 3)', () => {
  it('is current: the committed matrix is what npm run compliance:matrix writes today', () => {
    // Act
    const committed = readFileSync(path.join(projectRoot, MATRIX_FILE), 'utf8');
    const difference = firstDifference(committed, renderMatrix(inputs));

    // Assess
    expect(difference ? `stale, run npm run compliance:matrix; ${difference}` : 'current').toBe('current');
  });

  it('cites only test files jest runs, files that exist, rules that apply to the app and artifacts CI writes', () => {
    // Assess
    expect(problemsOf(inputs)).toEqual([]);
    expect(inputs.nag.violations).toEqual([]);
    expect(inputs.mapping.controls.filter((c) => c.framework === 'SOC 2').length).toBeGreaterThanOrEqual(15);
    expect(inputs.mapping.controls.filter((c) => c.framework === 'ISO 27001:2022').length).toBeGreaterThanOrEqual(15);
  });

  it('names each broken citation: a missing test, a missing file, a rule that applies to nothing, an unwritten artifact', () => {
    // Prepare
    const [first, ...rest] = inputs.mapping.controls;
    const broken: MatrixInputs = {
      ...inputs,
      mapping: {
        controls: [
          {
            ...first!,
            tests: [...first!.tests, 'test/unit/no-such.test.ts', 'docs/STYLE.md'],
            where: ['stacks/no-such-construct.ts'],
            nag: ['NIST.800.53.R5-RDSInstancePublicAccess'],
            artifacts: ['dist/no-such-report.json'],
          },
          ...rest,
        ],
      },
      citingDocs: { 'docs/compliance/THREAT-MODEL.md': '| T1 | S | x | y | `test/infra/gone.test.ts` |' },
    };
    const name = `${first!.framework} ${first!.id}`;

    // Act
    const problems = problemsOf(broken);

    // Assess
    expect(problems).toEqual([
      `${name}: where: stacks/no-such-construct.ts does not exist`,
      `${name}: tests: test/unit/no-such.test.ts is not a test file`,
      `${name}: tests: docs/STYLE.md is not a test file`,
      `${name}: nag: NIST.800.53.R5-RDSInstancePublicAccess applies to no resource of the app`,
      `${name}: artifacts: dist/no-such-report.json neither exists nor is written by a script`,
      'docs/compliance/THREAT-MODEL.md: cites test/infra/gone.test.ts, which does not exist',
    ]);
  });

  it('gives every STRIDE category a threat in every data flow of the threat model', () => {
    // Prepare
    const model = inputs.citingDocs['docs/compliance/THREAT-MODEL.md']!;
    const flows = model.split(/\n## /).slice(1, 6);

    // Assess
    expect(flows.map((f) => f.split('\n')[0])).toEqual([
      '1. Customer and operator API',
      '2. Gateway ↔ AWS IoT Core',
      '3. Control flows (Step Functions, optimizer)',
      '4. Partner egress (market data, GPU inference)',
      '5. Webhook egress',
    ]);
    for (const flow of flows) {
      const categories = new Set([...flow.matchAll(/^\| [A-Z]\d+ \| ([STRIDE]) \|/gm)].map((m) => m[1]));
      expect([flow.split('\n')[0], [...categories].sort().join('')]).toEqual([flow.split('\n')[0], 'DEIRST']);
      for (const row of flow.match(/^\| [A-Z]\d+ \|.*$/gm) ?? []) expect(row).toMatch(/`test\/|`iot-greengrass\//);
    }
  });
});
