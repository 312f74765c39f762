import path from 'node:path';
import { loadCalibration } from './calibration-file.js';
import { type CliCommand, parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { fakerNameSource } from './faker-names.js';
import { FIDELITY_SEED, fidelityReport, formatFidelityReport } from './fidelity-check.js';
import { generateScenarioFiles } from './generate.js';
import { listScenarios, loadScenario, ScenarioError } from './scenario-files.js';

function run(command: CliCommand): void {
  switch (command.kind) {
    case 'help':
      console.log(USAGE);
      return;
    case 'list':
      console.log(listScenarios().join('\n'));
      return;
    case 'compare':
      console.log(
        formatFidelityReport(fidelityReport(loadCalibration(), command.seed ?? FIDELITY_SEED, command.seeds)),
      );
      return;
    case 'generate': {
      const scenario = loadScenario(command.scenario);
      const days = command.days ?? scenario.days;
      const outDir = path.resolve(command.out ?? path.join('out', 'synthetic', `${scenario.name}-seed${command.seed}`));
      const started = Date.now();
      const result = generateScenarioFiles({
        scenario,
        calibration: loadCalibration(),
        seed: command.seed,
        days,
        outDir,
        names: fakerNameSource(command.seed),
        onProgress: (stage, done, total) =>
          process.stderr.write(`  ${stage}: ${Math.round((100 * done) / total)}% (${done}/${total})\n`),
      });
      console.log(
        `${scenario.name}: ${days} days, seed ${command.seed} -> ${path.relative(process.cwd(), outDir) || '.'}`,
      );
      for (const [file, lines] of Object.entries(result.files)) console.log(`  ${file.padEnd(22)} ${lines} lines`);
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }
}

try {
  run(parseCliArgs(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ScenarioError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
