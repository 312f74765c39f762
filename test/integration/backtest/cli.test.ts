import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';
import { ERCOT_AS_PRICE_FILE, ERCOT_PRICE_FILE, HASHPRICE_FILE, projectRoot } from '../../support/paths.js';

const TSX = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

function backtest(args: string[]) {
  return spawnSync(TSX, ['sim/backtest/cli.ts', ...args], { cwd: projectRoot, encoding: 'utf8', timeout: 240_000 });
}

const SUMMARY_FIELDS = [
  'name',
  'netProfitUsd',
  'miningRevenueUsd',
  'inferenceRevenueUsd',
  'gridCreditsUsd',
  'ancillaryRevenueUsd',
  'expectedDeploymentCostUsd',
  'ancillaryNetUsd',
  'energyCostUsd',
  'upliftOverStaticUsd',
  'oracleUpliftCapturedPct',
  'asicUptimePct',
  'switchCount',
  'gpuUtilizationPct',
  'slaViolations',
  'revenuePerGpuMonthUsd',
  'sitePowerUtilizationPct',
  'solveTimeP50Ms',
  'solveTimeP99Ms',
];

describe('backtest CLI', () => {
  it('runs every strategy on two days of the shared files and writes summary.json and report.html', () => {
    // Prepare
    const out = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-'));
    // Act: 2024-11-16..18 holds the 2024-11-17 scarcity spike, so the strategies differ.
    const run = backtest([
      '--prices',
      ERCOT_PRICE_FILE,
      '--hashprice',
      HASHPRICE_FILE,
      '--from',
      '2024-11-16',
      '--to',
      '2024-11-18',
      '--resolve-every',
      '4',
      '--out',
      out,
    ]);
    // Assess
    expect(run.stderr).toContain('oracle: done');
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const rows: Record<string, number | string | null>[] = summary.strategies;
    expect(rows.map((r) => r.name)).toEqual(['static', 'strike', 'myopic', 'mpc', 'mpc-perfect', 'oracle']);
    for (const row of rows) for (const field of SUMMARY_FIELDS) expect(row).toHaveProperty(field);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.static!.upliftOverStaticUsd).toBe(0);
    expect(byName.oracle!.oracleUpliftCapturedPct).toBeCloseTo(100, 6);
    const oracleNet = byName.oracle!.netProfitUsd as number;
    // The oracle is not beaten (rounding of relaxed unit counts aside: 0.05%).
    for (const row of rows) expect(row.netProfitUsd as number).toBeLessThanOrEqual(oracleNet * 1.0005);
    for (const row of rows) {
      expect(row.asicUptimePct as number).toBeGreaterThanOrEqual(0);
      expect(row.asicUptimePct as number).toBeLessThanOrEqual(100);
      expect(row.sitePowerUtilizationPct as number).toBeLessThanOrEqual(100);
    }
    // 4CP is off and reported apart; the window has no summer, and the summary says so rather than print a bare 0.
    expect(summary.fourCp).toBe('off');
    expect(summary.fourCpPeaks.summerIntervals).toBe(0);
    expect(summary.fourCpPeaks.note).toContain('has no June–September interval');
    expect(run.stderr).toContain('4CP: the price window');
    for (const row of rows)
      expect(row.energyAndMiningNetUsd).toBeCloseTo((row.netProfitUsd as number) + (row.fourCpCostUsd as number), 6);
    expect(summary.monthly.map((m: { month: string }) => m.month)).toEqual(['2024-11']);
    expect(summary.monthly[0].full).toBe(false);
    expect(summary.mpcCostliestIntervalsVsMpcPerfect).toHaveLength(10);
    const trace = readFileSync(path.join(out, 'trace-mpc.csv'), 'utf8').trim().split('\n');
    expect(trace[0]).toMatch(
      /^time_utc,known_rt_through_utc,known_hashprice_usd_per_th_day,planned_price_usd_per_mwh,/,
    );
    expect(trace).toHaveLength(1 + 2 * 96);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('RTC+B');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(run.stdout).toContain('mpc-perfect');
  }, 240_000);

  it('names an unknown strategy and exits non-zero', () => {
    const run = backtest([
      '--prices',
      ERCOT_PRICE_FILE,
      '--hashprice',
      HASHPRICE_FILE,
      '--strategies',
      'static,psychic',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--strategies: unknown strategy "psychic"');
  });

  it('refuses a step finer than the price file and an unknown 4CP mode, naming the flag', () => {
    const fine = backtest(['--prices', ERCOT_PRICE_FILE, '--hashprice', HASHPRICE_FILE, '--step-minutes', '5']);
    expect(fine.status).toBe(2);
    expect(fine.stderr).toContain("--step-minutes 5 is finer than the price file's 15-minute resolution");
    const fourCp = backtest(['--prices', ERCOT_PRICE_FILE, '--hashprice', HASHPRICE_FILE, '--four-cp', 'always']);
    expect(fourCp.status).toBe(2);
    expect(fourCp.stderr).toContain('--four-cp:');
  });

  it('plans on the 4CP forecaster and scores the summer peak it catches (real load, prices shifted into July 2022)', () => {
    // Prepare: the shipped prices hold no summer and the load file no 2024: the real 2024-11-12..23 prices are moved
    // to 2022-07-12..23, around ERCOT's 2022-07-20 16:00 CDT peak (80,038 MW).
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-4cp-'));
    const shifted = path.join(dir, 'prices.csv');
    const [header, ...rows] = readFileSync(ERCOT_PRICE_FILE, 'utf8').trim().split('\n');
    const shiftMs = Date.UTC(2022, 6, 12) - Date.UTC(2024, 10, 12);
    const moved = rows.flatMap((row) => {
      const [time, ...rest] = row.split(',');
      const wallMs = Date.parse(`${time!.replace(' ', 'T')}Z`);
      if (wallMs < Date.UTC(2024, 10, 12) || wallMs >= Date.UTC(2024, 10, 24)) return [];
      return [[new Date(wallMs + shiftMs).toISOString().slice(0, 19).replace('T', ' '), ...rest].join(',')];
    });
    writeFileSync(shifted, `${header}\n${moved.join('\n')}\n`);
    const out = path.join(dir, 'out');
    // Act
    const run = backtest([
      '--prices',
      shifted,
      '--hashprice',
      HASHPRICE_FILE,
      '--from',
      '2022-07-20T12:00:00Z',
      '--to',
      '2022-07-21T00:00:00Z',
      '--strategies',
      'static,mpc,deployed',
      '--resolve-every',
      '4',
      '--four-cp',
      'forecast',
      '--system-load',
      SYSTEM_LOAD_FILE,
      '--out',
      out,
    ]);
    // Assess
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const report = summary.fourCpPeaks;
    expect(report.note).toBeNull();
    expect(report.peaks).toEqual([{ month: '2022-07', hourStart: '2022-07-20T21:00:00.000Z', systemLoadMw: 80037.84 }]);
    expect(report.strategies.static.peaksCaught).toBe(0);
    expect(report.strategies.mpc.peaksCaught).toBe(1);
    // The deployed OptimizeFlow solve, replayed: system load ingested into the market history and read back known-at.
    expect(report.strategies.deployed.peaksCaught).toBe(1);
    // mpc gives up mining in the peak hour for a smaller charge than static's.
    expect(report.strategies.mpc.chargeAvoidedUsd).toBeGreaterThan(report.strategies.static.chargeAvoidedUsd);
    const rowsByName = Object.fromEntries(summary.strategies.map((r: { name: string }) => [r.name, r]));
    expect(rowsByName.mpc.fourCpCostUsd).toBeCloseTo(report.strategies.mpc.chargeUsd, 6);
    expect(rowsByName.mpc.miningRevenueUsd).toBeLessThan(rowsByName.static.miningRevenueUsd);
    expect(run.stderr).toContain('mpc: 1/1 peaks caught');
  }, 240_000);

  it('names the line and column of a malformed system-load file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-load-'));
    const bad = path.join(dir, 'load.csv');
    writeFileSync(
      bad,
      'hour_start_local,dst_repeat,ercot_mw\n2022-07-01 00:00:00,0,41000\n2022-07-01 01:00:00,0,n/a\n',
    );
    const run = backtest(['--prices', ERCOT_PRICE_FILE, '--hashprice', HASHPRICE_FILE, '--system-load', bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^backtest: .*load\.csv: line 3, column "ercot_mw"/);
  });

  it('names the line and column of a malformed price file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-bad-'));
    const bad = path.join(dir, 'prices.csv');
    writeFileSync(bad, 'time,price\n2024-11-01 00:00:00,20\n2024-11-01 00:15:00,abc\n');
    const run = backtest([
      '--prices',
      bad,
      '--hashprice',
      HASHPRICE_FILE,
      '--time-column',
      'time',
      '--price-column',
      'price',
    ]);
    // A bad input file is a runtime error (exit 1), not a command-line mistake (exit 2).
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^backtest: .*line 3, column "price"/);
  });

  it('runs mpc+as beside mpc on the shipped ancillary prices and reports the offers in summary.json', () => {
    // Prepare
    const out = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-as-'));
    // Act: 2025-02-20 is the cold morning the DAM cleared RRS, ECRS and Non-Spin at $270/MW-h.
    const run = backtest([
      '--prices',
      ERCOT_PRICE_FILE,
      '--hashprice',
      HASHPRICE_FILE,
      '--ancillary-prices',
      ERCOT_AS_PRICE_FILE,
      '--from',
      '2025-02-20',
      '--to',
      '2025-02-21',
      '--strategies',
      'mpc,mpc+as',
      '--resolve-every',
      '4',
      '--out',
      out,
    ]);
    // Assess
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const byName = Object.fromEntries(summary.strategies.map((r: { name: string }) => [r.name, r]));
    expect(byName.mpc.ancillaryRevenueUsd).toBe(0);
    expect(byName['mpc+as'].ancillaryRevenueUsd).toBeGreaterThan(0);
    expect(byName['mpc+as'].ancillaryNetUsd).toBeCloseTo(
      byName['mpc+as'].ancillaryRevenueUsd - byName['mpc+as'].expectedDeploymentCostUsd,
      6,
    );
    expect(byName['mpc+as'].netProfitUsd).toBeGreaterThan(byName.mpc.netProfitUsd);
    expect(summary.ancillaryNote).toContain('DAM');
  }, 240_000);

  it('asks for the ancillary price file mpc+as needs, and names the line and column of a bad one', () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-backtest-bad-as-'));
    const bad = path.join(dir, 'as.csv');
    writeFileSync(
      bad,
      'hour_start_local,dst_repeat,regup_usd_mw_h,regdn_usd_mw_h,rrs_usd_mw_h,ecrs_usd_mw_h,nspin_usd_mw_h\n' +
        '2024-11-01 00:00:00,0,1,1,1,1,1\n2024-11-01 01:00:00,0,1,1,1,n/a,1\n',
    );
    const base = ['--prices', ERCOT_PRICE_FILE, '--hashprice', HASHPRICE_FILE, '--strategies', 'mpc+as'];
    // Act
    const missing = backtest(base);
    const malformed = backtest([...base, '--ancillary-prices', bad]);
    // Assess
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--strategies: mpc+as needs --ancillary-prices FILE');
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toMatch(/^backtest: .*line 3, column "ecrs_usd_mw_h"/);
  });
});
