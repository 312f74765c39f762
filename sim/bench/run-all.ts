import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { noFlags, parseArgsOrExit } from '../cli/args.js';

/**
 * `npm run bench`: every `bench:*` script of package.json in turn, each printing its own figures and ratios against
 * a baseline measured in the same run. Benchmarks are never timed assertions in the test suite.
 */
parseArgsOrExit(
  noFlags('bench', 'npm run bench\n\nEvery bench:* script of package.json in turn; exits 1 naming those that failed.'),
);
const scripts: Record<string, string> = JSON.parse(readFileSync('package.json', 'utf8')).scripts;
const benches = Object.entries(scripts).filter(([name]) => name.startsWith('bench:'));
const failed: string[] = [];
for (const [name, command] of benches) {
  const file = command.split(' ').find((part) => part.endsWith('.ts'));
  if (file && !existsSync(file)) {
    console.log(`\n== ${name}: ${file} not built yet, skipped`);
    continue;
  }
  console.log(`\n== ${name} (${command})`);
  const result = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
