import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { type Scenario, scenarioSchema } from '../../core/synthetic/scenario.js';

/** Scenario files live beside this module; resolved from the working directory, which npm sets to the project root. */
export const SCENARIO_DIR = path.resolve(process.cwd(), 'sim', 'synthetic', 'scenarios');

/** A scenario that cannot be used, with every problem located by file and field. */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
    this.name = 'ScenarioError';
  }
}

export function listScenarios(dir = SCENARIO_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

const fieldPath = (issue: z.core.$ZodIssue) => (issue.path.length === 0 ? '(root)' : issue.path.join('.'));

/** Validates parsed JSON as a scenario; errors name the field (`market.scarcityWindows.0.durationHours: ...`). */
export function parseScenario(value: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) {
    throw new ScenarioError(
      source,
      result.error.issues.map((issue) => `${fieldPath(issue)}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadScenario(name: string, dir = SCENARIO_DIR): Scenario {
  const file = path.join(dir, `${name}.json`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(file)) {
    throw new ScenarioError(`--scenario ${name}`, [
      `unknown scenario "${name}"; known scenarios: ${listScenarios(dir).join(', ')}`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ScenarioError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const scenario = parseScenario(json, file);
  if (scenario.name !== name) throw new ScenarioError(file, [`name: "${scenario.name}" does not match the file name`]);
  return scenario;
}
