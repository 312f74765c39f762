import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../support/paths.js';
import { runProcess } from '../../support/run-line.js';

/**
 * `npm run audit` end to end: the real npm client audits a one-package project against a local HTTP server standing
 * in for the registry's bulk advisory endpoint (POST /-/npm/v1/security/advisories/bulk), and the policy judges what
 * npm reports.
 */
const TSX = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const AUDIT = path.join(projectRoot, 'bin', 'compliance', 'audit.ts');
const ADVISORY = 'GHSA-9w5j-4mwv-2wj8';

let registry: Server;
let registryUrl = '';
let advisoryRequests = 0;
let project = '';

beforeAll(async () => {
  registry = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const url = request.url ?? '';
      if (request.method === 'POST' && url === '/-/npm/v1/security/advisories/bulk') {
        advisoryRequests++;
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({
            'left-pad': [
              {
                id: 1,
                url: `https://github.com/advisories/${ADVISORY}`,
                title: 'planted advisory',
                severity: 'high',
                vulnerable_versions: '<2.0.0',
                cwe: [],
                cvss: { score: 7.5 },
              },
            ],
          }),
        );
        return;
      }
      response.statusCode = url.includes('/-/npm/') ? 405 : 404;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;

  project = mkdtempSync(path.join(tmpdir(), 'hcp-audit-'));
  const dependencies = { 'left-pad': '1.3.0' };
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', dependencies }));
  writeFileSync(
    path.join(project, 'package-lock.json'),
    JSON.stringify({
      name: 'p',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'p', version: '1.0.0', dependencies },
        'node_modules/left-pad': {
          version: '1.3.0',
          resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz',
          integrity: 'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ0ZBMGnXyF/ZANKbbpFF7iSRm4BDVIUB4IeI6ZUO4j2h7wlQ==',
        },
      },
    }),
  );
});

afterAll(async () => {
  await new Promise((resolve) => registry.close(resolve));
  rmSync(project, { recursive: true, force: true });
});

function audit(entries: object[], registryOverride = registryUrl, extra: string[] = []) {
  const allowlist = path.join(project, `allowlist-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(allowlist, JSON.stringify({ entries }));
  return runProcess(TSX, [AUDIT, '--allowlist', allowlist, '--today', '2026-12-07', ...extra], {
    cwd: project,
    // A cache of its own: npm caches audit answers, which would hide what this registry says.
    env: {
      ...process.env,
      npm_config_registry: registryOverride,
      npm_config_cache: path.join(project, 'npm-cache'),
      npm_config_update_notifier: 'false',
    },
  });
}

const entry = (expires: string) => ({
  advisory: ADVISORY,
  package: 'left-pad',
  reason: 'Reached only from the build tooling, never bundled into a Lambda.',
  expires,
});

describe('npm run audit: npm audit against the registry, judged by the allowlist', () => {
  it('fails on a new advisory until it is triaged, then passes while the entry holds', async () => {
    // Act
    const [untriaged, triaged] = await Promise.all([audit([]), audit([entry('2027-01-31')])]);

    // Assess
    expect(advisoryRequests).toBeGreaterThanOrEqual(2);
    expect(untriaged.stdout).toContain(`FAIL untriaged: ${ADVISORY} left-pad (high): planted advisory`);
    expect(untriaged.code).toBe(1);
    expect(triaged.stdout).toContain(`accepted: ${ADVISORY} left-pad (high)`);
    expect(triaged.code).toBe(0);
  }, 60_000);

  it('fails on an expired entry, and on one that reaches too far ahead', async () => {
    // Act
    const [expired, tooFar] = await Promise.all([audit([entry('2026-12-06')]), audit([entry('2027-12-31')])]);

    // Assess
    expect(expired.stdout).toContain(`FAIL expired 2026-12-06: ${ADVISORY} left-pad`);
    expect(expired.code).toBe(1);
    expect(tooFar.stdout).toContain('FAIL expires 2027-12-31, more than 180 days ahead');
    expect(tooFar.code).toBe(1);
  }, 60_000);

  it('rejects an entry without a reason, naming the field', async () => {
    // Act
    const result = await audit([{ advisory: ADVISORY, package: 'left-pad', expires: '2027-01-31' }]);

    // Assess
    expect(result.stderr).toMatch(/reason/);
    expect(result.code).toBe(2);
  }, 60_000);

  it('exits 2 when the registry does not answer the audit endpoint, 0 with --unreachable warn', async () => {
    // Prepare: a registry that serves only GET, as the offline CI mirror does.
    const getOnly = `${registryUrl}get-only/`;

    // Act
    const [strict, lenient] = await Promise.all([audit([], getOnly), audit([], getOnly, ['--unreachable', 'warn'])]);

    // Assess
    expect(strict.stderr).toContain('audit: could not audit');
    expect(strict.code).toBe(2);
    expect(lenient.stderr).toContain('audit: NOT RUN');
    expect(lenient.code).toBe(0);
  }, 60_000);
});
