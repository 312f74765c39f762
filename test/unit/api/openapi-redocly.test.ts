import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOpenApiDocument } from '../../../functions/api/openapi/document.js';
import { API_ROUTES } from '../../../functions/api/routes.js';

/**
 * An outside validator on the document the API serves: Redocly CLI's built-in `recommended` rules (the linter the
 * outside review ran), offline, with no warnings allowed.
 */
describe('the OpenAPI document under Redocly CLI', () => {
  it('lints with no errors and no warnings', () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-redocly-'));
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(buildOpenApiDocument(API_ROUTES)));

    // Act
    const run = spawnSync(
      process.execPath,
      [require.resolve('@redocly/cli/bin/cli.js'), 'lint', file, '--format=json', '--extends=recommended'],
      {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        timeout: 60_000,
      },
    );
    rmSync(dir, { recursive: true, force: true });

    // Assess
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
    };
    const problems = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(run.status).toBe(0);
  }, 60_000);
});
