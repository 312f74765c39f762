import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../support/paths.js';
import { runProcess } from '../../support/run-line.js';

/**
 * Every command-line tool as npm runs it (the file its package.json script names, under tsx): `--help` prints the
 * usage and exits 0; a usage mistake prints `<command>: --flag: reason` and exits 2, before anything starts.
 */
const TSX = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const scripts: Record<string, string> = JSON.parse(
  readFileSync(path.join(projectRoot, 'package.json'), 'utf8'),
).scripts;
const fileOf = (script: string) => scripts[script]!.split(' ').find((part) => part.endsWith('.ts'))!;

const run = (file: string, args: string[]) => runProcess(TSX, [file, ...args], { cwd: projectRoot });

const CLIS: Array<[script: string, command: string, mistake: string[], message: RegExp]> = [
  ['start', 'npm start', ['--port', 'eighty'], /^npm start: --port: /],
  ['backtest', 'backtest', ['--prices', 'p.csv'], /^backtest: --hashprice: required$/],
  ['gen', 'gen', ['--scenario', 'halving', '--days=0'], /^gen: --days: /],
  ['devices', 'devices', ['--addressing', 'ipv6'], /^devices: --addressing: /],
  ['forecast:evaluate', 'forecast:evaluate', ['--every-hours', '-1'], /^forecast:evaluate: --every-hours: /],
  ['forecast:four-cp', 'forecast:four-cp', ['--thresholds', '0.1,2'], /^forecast:four-cp: --thresholds: expected /],
  ['calibrate', 'calibrate', ['--date=yesterday'], /^calibrate: --date: expected YYYY-MM-DD$/],
  ['kpis', 'kpis', ['--data'], /^kpis: --data: needs a value$/],
  ['bench', 'bench', ['--only', 'api'], /^bench: --only: unknown flag/],
  ['bench:optimizer', 'bench:optimizer', ['--sites', '3'], /^bench:optimizer: --sites: unknown flag/],
  ['bench:devices', 'bench:devices', ['--fast'], /^bench:devices: --fast: unknown flag/],
  ['bench:gateway', 'bench:gateway', ['--trials=3'], /^bench:gateway: --trials: Too small/],
  ['bench:controller', 'bench:controller', ['--fast'], /^bench:controller: --fast: unknown flag/],
  ['bench:audit', 'bench:audit', ['--seconds=0'], /^bench:audit: --seconds: Too small/],
  ['bench:tenant-scope', 'bench:tenant-scope', ['--tenants=0'], /^bench:tenant-scope: --tenants: Too small/],
  ['bench:routing', 'bench:routing', ['--jobs', '5'], /^bench:routing: --jobs: unknown flag/],
  ['bench:api', 'bench:api', ['--rate', 'fast'], /^bench:api: --rate: /],
  ['bench:telemetry', 'bench:telemetry', ['--devices=0'], /^bench:telemetry: --devices: /],
  ['bench:api-load', 'bench:api-load', ['--seconds'], /^bench:api-load: --seconds: needs a value$/],
];

describe('command-line tools', () => {
  it('covers every tool npm runs from sim/', () => {
    const tools = Object.entries(scripts)
      // `tsx sim/x.ts`, or `exec node --import tsx sim/start.ts` (npm start, so signals reach the platform).
      .filter(([, command]) => /(^|\s)sim\/\S+\.ts/.test(command))
      .map(([name]) => name);
    expect(CLIS.map(([script]) => script).sort()).toEqual(tools.sort());
  });

  it.each(CLIS)(
    '%s: --help prints its usage and exits 0; a mistake names the flag and exits 2',
    async (script, _command, mistake, message) => {
      // Act
      const [help, wrong] = await Promise.all([run(fileOf(script), ['--help']), run(fileOf(script), mistake)]);
      // Assess
      expect(help.stdout).toMatch(/^usage: npm (start|run [a-z:-]+)/);
      expect(help.stdout).toContain('--help');
      expect(help.code).toBe(0);
      expect(wrong.stderr.split('\n')[0]).toMatch(message);
      expect(wrong.code).toBe(2);
    },
    60_000,
  );

  it('reports a runtime error in one line, exit 1, and its stack only with --verbose', async () => {
    // Act
    const [plain, verbose] = await Promise.all([
      run(fileOf('forecast:evaluate'), ['--prices', 'no-such-prices.csv']),
      run(fileOf('forecast:evaluate'), ['--prices', 'no-such-prices.csv', '--verbose']),
    ]);
    // Assess
    expect(plain.stderr).toBe("forecast:evaluate: ENOENT: no such file or directory, open 'no-such-prices.csv'\n");
    expect(plain.code).toBe(1);
    expect(verbose.stderr).toMatch(/^forecast:evaluate: ENOENT[^\n]*\nError: ENOENT[^\n]*\n\s+at /);
    expect(verbose.code).toBe(1);
  });
});
