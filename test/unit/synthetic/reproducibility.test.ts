import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readHashpriceFile, readPriceFile } from '../../../sim/data/market-files.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { generateScenarioFiles } from '../../../sim/synthetic/generate.js';
import { loadScenario } from '../../../sim/synthetic/scenario-files.js';
import { projectRoot } from '../../support/paths.js';

const temporaryDirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcp-synthetic-'));
  temporaryDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

const filesOf = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f))]),
  );

function generate(seed: number, outDir: string) {
  return generateScenarioFiles({
    // A capped inventory keeps the test fast; resources.test covers the full fleet.
    scenario: { ...loadScenario('grid-emergency'), inventory: { maxDevicesPerGroup: 300 } },
    calibration: loadCalibration(),
    seed,
    days: 1,
    outDir,
    fleet: undefined,
  });
}

describe('reproducibility of generated files', () => {
  it('writes byte-identical files for the same seed', () => {
    // Prepare
    const first = freshDir();
    const second = freshDir();

    // Act
    generate(11, first);
    generate(11, second);

    // Assess
    const a = filesOf(first);
    const b = filesOf(second);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(Object.keys(a)).toEqual(
      expect.arrayContaining([
        'prices-HB_SOUTH.csv',
        'hashprice.csv',
        'workloads.jsonl',
        'inventory.jsonl',
        'grid-events.jsonl',
      ]),
    );
    for (const name of Object.keys(a)) expect({ name, same: a[name]!.equals(b[name]!) }).toEqual({ name, same: true });
  });

  it('writes price and hashprice files the shared-file readers parse unchanged', () => {
    // Prepare
    const out = freshDir();
    const scenario = loadScenario('grid-emergency');

    // Act
    generate(11, out);
    const prices = readPriceFile(path.join(out, 'prices-HB_SOUTH.csv'), 15);
    const days = readHashpriceFile(path.join(out, 'hashprice.csv'));

    // Assess: one day of 15-minute intervals (July: no DST change), one hashprice row per UTC day touched.
    expect(prices.rtUsdPerMwh.values).toHaveLength(96);
    expect(prices.rtUsdPerMwh.startMs).toBe(Date.parse(scenario.start));
    expect(prices.daUsdPerMwh?.values).toHaveLength(96);
    expect(prices.temperatureC?.values).toHaveLength(96);
    expect(days.length).toBeGreaterThanOrEqual(2);
    expect(days.every((d) => d.hashpriceUsdPerThDay > 0 && d.feesBtcPerDay !== undefined)).toBe(true);
  });

  it('writes different series for a different seed', () => {
    // Prepare
    const first = freshDir();
    const second = freshDir();

    // Act
    generate(11, first);
    generate(12, second);

    // Assess
    expect(filesOf(first)['prices-HB_SOUTH.csv']!.equals(filesOf(second)['prices-HB_SOUTH.csv']!)).toBe(false);
  });

  it('gives byte-identical output through the CLI, faker-named tenants included', () => {
    // Prepare
    const runs = [freshDir(), freshDir()];

    // Act
    const results = runs.map((out) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'sim/synthetic/cli.ts',
          '--scenario',
          'inference-surge',
          '--days',
          '1',
          '--seed',
          '5',
          '--out',
          out,
        ],
        { cwd: projectRoot, encoding: 'utf8' },
      ),
    );

    // Assess
    expect(results.map((r) => r.status)).toEqual([0, 0]);
    const [a, b] = runs.map(filesOf);
    for (const name of Object.keys(a!))
      expect({ name, same: a![name]!.equals(b![name]!) }).toEqual({ name, same: true });
    const firstWorkload = JSON.parse(a!['workloads.jsonl']!.toString('utf8').split('\n')[0]!);
    expect(firstWorkload.tenantName).toEqual(expect.any(String));
  });
});
