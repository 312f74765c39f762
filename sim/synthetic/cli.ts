import path from 'node:path';
import { exitOnError, helpText, parseArgsOrExit } from '../cli/args.js';
import { loadCalibration } from './calibration-file.js';
import { type CliCommand, genCli, parseCliArgs } from './cli-args.js';
import { fakerNameSource } from './faker-names.js';
import { FIDELITY_SEED, fidelityReport, formatFidelityReport } from './fidelity-check.js';
import { generateScenarioFiles } from './generate.js';
import { listScenarios, loadScenario } from './scenario-files.js';

function run(command: CliCommand): void {
  switch (command.kind) {
    case 'help':
      console.log(helpText(genCli));
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

// --help, --verbose and flag mistakes as every tool answers them; the command's own rules as a usage error too.
const { verbose } = parseArgsOrExit(genCli);
try {
  run(parseCliArgs(process.argv.slice(2)));
} catch (error) {
  exitOnError(genCli.command, verbose)(error);
}
