import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fourCpInputs } from '../../../sim/backtest/four-cp.js';
import { SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';

const STEP_MINUTES = 15;
// 2022-07-20 00:00 CDT, one day of 15-minute steps: ERCOT's July 2022 peak came at 16:00 CDT.
const grid = { startMs: Date.parse('2022-07-20T05:00:00Z'), stepMinutes: STEP_MINUTES, steps: 96 };

/** The shipped load file with every hour from `fromLocal` on scaled. */
function alteredLoadFile(fromLocal: string, factor: number): string {
  const [header, ...rows] = readFileSync(SYSTEM_LOAD_FILE, 'utf8').trim().split('\n');
  const changed = rows.map((row) => {
    const cells = row.split(',');
    if (cells[0]! < fromLocal) return row;
    cells[2] = (Number(cells[2]) * factor).toFixed(2);
    return cells.join(',');
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hcp-4cp-')), 'load.csv');
  writeFileSync(file, `${header}\n${changed.join('\n')}\n`);
  return file;
}

describe('4CP in the backtest', () => {
  it('gives each decision only what was known then: load changed after it changes none of its probabilities', () => {
    // Prepare: from 12:00 CDT on the load is 10% higher; that hour is published at 14:00 CDT (step 56).
    const real = fourCpInputs({ mode: 'forecast', systemLoadFile: SYSTEM_LOAD_FILE }, grid);
    const altered = fourCpInputs({ mode: 'forecast', systemLoadFile: alteredLoadFile('2022-07-20 12:00', 1.1) }, grid);
    const firstChanged = 56;
    // Act / Assess
    for (let t = 0; t < grid.steps; t += 1) {
      const same = Array.from({ length: grid.steps - t }, (_, k) => real.peakProbabilityAt!(t, t + k));
      const other = Array.from({ length: grid.steps - t }, (_, k) => altered.peakProbabilityAt!(t, t + k));
      if (t < firstChanged) expect(other).toEqual(same);
      else if (t === firstChanged) expect(other).not.toEqual(same);
    }
    // The truth is the file's peak hour: four steps of a quarter each.
    const peakSteps = real.fourCpPeakShare!.flatMap((share, t) => (share > 0 ? [[t, share]] : []));
    expect(peakSteps).toEqual([
      [64, 0.25],
      [65, 0.25],
      [66, 0.25],
      [67, 0.25],
    ]);
    // The probabilities a decision sees sum to about its month's one peak at most.
    const seenAtMidnight = Array.from({ length: grid.steps }, (_, k) => real.peakProbabilityAt!(0, k));
    expect(seenAtMidnight.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(seenAtMidnight[64]!).toBeGreaterThan(0);
  });

  it('scores the peaks without planning on them with 4CP off, and does nothing without a load file', () => {
    const off = fourCpInputs({ mode: 'off', systemLoadFile: SYSTEM_LOAD_FILE }, grid);
    expect(off.peakProbabilityAt).toBeUndefined();
    expect(off.fourCpPeakShare!.filter((s) => s > 0)).toHaveLength(4);
    expect(fourCpInputs({ mode: 'forecast' }, grid)).toEqual({});
  });
});
