import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../support/paths.js';

/**
 * The secret scan and the SBOM as CI runs them: the package.json script's own command, in a throwaway git checkout
 * holding the project's secretlint configuration (node_modules linked, nothing installed).
 */
const scripts: Record<string, string> = JSON.parse(
  readFileSync(path.join(projectRoot, 'package.json'), 'utf8'),
).scripts;

function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcp-ci-'));
  for (const config of ['.secretlintrc.json', '.secretlintignore', 'package.json', 'package-lock.json']) {
    copyFileSync(path.join(projectRoot, config), path.join(dir, config));
  }
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [name, text] of Object.entries({ '.gitignore': 'node_modules\ndist\n', ...files })) {
    writeFileSync(path.join(dir, name), text);
  }
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '.'], { cwd: dir });
  return dir;
}

const runScript = (name: string, cwd: string) =>
  spawnSync('sh', ['-c', scripts[name]!], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
  });

// A made-up private key (an RSA key's DER header, then filler), assembled at run time so this file holds none.
const plantedKey = [
  `-----BEGIN ${'RSA PRIVATE'} KEY-----`,
  `MIIEpAIBAAKCAQEA${Buffer.from(Array.from({ length: 240 }, (_, i) => (i * 37) % 256)).toString('base64')}`,
  `-----END ${'RSA PRIVATE'} KEY-----`,
].join('\n');

describe('npm run secrets: secretlint (recommended preset) over every tracked file', () => {
  let clean = '';
  let leaky = '';
  beforeAll(() => {
    clean = checkout({ 'handler.ts': 'export const region = "us-east-2";\n' });
    leaky = checkout({ 'handler.ts': `export const key = \`${plantedKey}\`;\n` });
  });
  afterAll(() => {
    for (const dir of [clean, leaky]) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a tree without secrets and fails on a committed private key, masking it', () => {
    // Act
    const [passed, failed] = [runScript('secrets', clean), runScript('secrets', leaky)];

    // Assess
    expect(passed.status).toBe(0);
    expect(failed.status).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/handler\.ts[\s\S]*\[PrivateKey\] found private key/);
    expect(failed.stdout + failed.stderr).not.toContain(plantedKey.split('\n')[1]!.slice(0, 40));
  }, 60_000);
});

describe('npm run sbom: CycloneDX of the production dependencies', () => {
  it('writes dist/sbom.cdx.json listing what ships and none of the dev tooling', () => {
    // Prepare
    const dir = checkout({});

    // Act
    const run = runScript('sbom', dir);
    const sbom = JSON.parse(readFileSync(path.join(dir, 'dist', 'sbom.cdx.json'), 'utf8'));
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(run.status).toBe(0);
    expect(sbom.bomFormat).toBe('CycloneDX');
    const names = new Set(
      (sbom.components as { name: string; group?: string }[]).map((c) => (c.group ? `${c.group}/${c.name}` : c.name)),
    );
    expect(names).toContain('aws-cdk-lib');
    expect(names).toContain('@middy/core');
    expect(names).not.toContain('jest');
    expect(names).not.toContain('secretlint');
  }, 60_000);
});
