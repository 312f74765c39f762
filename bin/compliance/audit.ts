/**
 * `npm run audit`: `npm audit` against the configured registry, judged by the allowlist policy
 * (bin/compliance/audit-policy.ts). Exit 0 passed, 1 failed the policy, 2 could not audit (registry unreachable or
 * an answer that is not an audit report).
 *
 *   npm run audit -- [--allowlist FILE] [--today YYYY-MM-DD] [--unreachable fail|warn]
 *
 * `--unreachable warn` prints the error and exits 0 when the registry does not answer the audit endpoint (a mirror
 * that serves only GET, as on the offline CI machines); the default fails, as a CI with registry access should.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { advisoriesIn, allowlistSchema, describeVerdict, judgeAudit } from './audit-policy.js';

const FLAGS = ['--allowlist', '--today', '--unreachable'] as const;
const DEFAULT_ALLOWLIST = 'docs/compliance/audit-allowlist.json';

function flags(argv: readonly string[]): Partial<Record<(typeof FLAGS)[number], string>> {
  const parsed: Partial<Record<(typeof FLAGS)[number], string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = (argv[i] ?? '').split('=', 2) as [string, string | undefined];
    if (!(FLAGS as readonly string[]).includes(name))
      throw new Error(`unknown flag ${name}; flags: ${FLAGS.join(' ')}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    parsed[name as (typeof FLAGS)[number]] = value;
  }
  return parsed;
}

function main(): number {
  const args = flags(process.argv.slice(2));
  const allowlistPath = args['--allowlist'] ?? DEFAULT_ALLOWLIST;
  const today = args['--today'] ?? new Date().toISOString().slice(0, 10);
  const unreachable = args['--unreachable'] ?? 'fail';
  if (unreachable !== 'fail' && unreachable !== 'warn') throw new Error('--unreachable must be fail or warn');
  const allowlist = allowlistSchema.parse(JSON.parse(readFileSync(allowlistPath, 'utf8')));

  const run = spawnSync('npm', ['audit', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let report: unknown;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    report = undefined;
  }
  if (!report || typeof report !== 'object' || !('auditReportVersion' in report)) {
    const why = (report as { message?: string } | undefined)?.message ?? run.stderr.trim().split('\n').at(-1);
    console.error(`audit: could not audit (${why ?? `npm exited ${run.status}`})`);
    if (unreachable === 'warn') {
      console.error('audit: NOT RUN; --unreachable warn lets CI continue without it');
      return 0;
    }
    return 2;
  }
  const verdict = judgeAudit(advisoriesIn(report), allowlist, today);
  for (const line of describeVerdict(verdict, allowlistPath)) console.log(line);
  return verdict.passed ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`audit: ${(error as Error).message}`);
  process.exitCode = 2;
}
