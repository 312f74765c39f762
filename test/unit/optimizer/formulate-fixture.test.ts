import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formulateSite } from '../../../core/optimizer/formulate.js';
import type { LpVar } from '../../../core/optimizer/lp-text.js';
import { referenceCases } from './reference-problems.js';

/**
 * The site model is pinned: each reference case's LP text (integer and relaxed), its sizes and the variable names the
 * decoder reads are hashed and compared with fixtures captured from the formulation before it was split into
 * constraint families. Two small cases are kept as LP text too, so a failure shows the differing rows.
 * Only a deliberate change of the model may refresh them: UPDATE_FORMULATE_FIXTURE=1 npx jest <this file>.
 */
const FIXTURE_DIR = join(__dirname, 'fixtures');
const HASHES_FILE = join(FIXTURE_DIR, 'formulate-reference.json');
const TEXT_CASES = new Set([1, 3]);
const update = process.env.UPDATE_FORMULATE_FIXTURE === '1';

interface Pinned {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly integers: number;
  readonly sha256: string;
}

function pin(index: number): { pinned: Pinned; text: string } {
  const c = referenceCases()[index]!;
  const model = formulateSite(c.problem, c.integerUnits);
  const text = model.model.toText();
  // The decoder reads solutions by these names: nested arrays of LpVar become nested arrays of names.
  const namesOf = (x: unknown): unknown => (Array.isArray(x) ? x.map(namesOf) : (x as LpVar).name);
  const names = (vars: ReadonlyArray<unknown>) => JSON.stringify(namesOf(vars));
  const decoded = [
    model.steps,
    names(model.unitsOn),
    names(model.segments),
    names(model.gpuPowered),
    names(model.servingGuaranteed),
    names(model.servingFlex),
    names(model.sitePowerKw),
    names(model.flexBacklog),
    model.model.objectiveConstant,
  ].join('\n');
  const sha256 = createHash('sha256')
    .update(`${text}\n${model.model.toText(true)}\n${decoded}`)
    .digest('hex');
  const { rowCount: rows, colCount: cols, integerCount: integers } = model.model;
  return { pinned: { name: c.name, rows, cols, integers, sha256 }, text };
}

const textFile = (index: number) => join(FIXTURE_DIR, `formulate-reference-${index}.lp`);

describe('formulateSite on the reference sites', () => {
  const cases = referenceCases().map((_, i) => pin(i));
  if (update) {
    writeFileSync(
      HASHES_FILE,
      `${JSON.stringify(
        cases.map((c) => c.pinned),
        null,
        2,
      )}\n`,
    );
    for (const i of TEXT_CASES) writeFileSync(textFile(i), `${cases[i]!.text}\n`);
  }
  const expected = JSON.parse(readFileSync(HASHES_FILE, 'utf8')) as Pinned[];

  it('builds the same number of cases as the fixture pins', () => {
    expect(cases.map((c) => c.pinned.name)).toEqual(expected.map((e) => e.name));
  });

  it.each(cases.map((c, i) => [c.pinned.name, i] as const))('builds the pinned model: %s', (_, i) => {
    if (TEXT_CASES.has(i)) {
      expect(existsSync(textFile(i))).toBe(true);
      expect(`${cases[i]!.text}\n`).toBe(readFileSync(textFile(i), 'utf8'));
    }
    expect(cases[i]!.pinned).toEqual(expected[i]);
  });
});
