import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_GATEWAY_CSR_PEM } from '../../../core/api/gateways.js';
import { csrViolations } from '../../../core/iot/csr-rules.js';
import { checkCsr } from '../../../functions/shared/iot/csr.js';
import { generateKeyAndCsr } from '../../../sim/local/local-ca.js';

const SITE = 'site-west-1';
const facts = { keyAlgorithm: 'EC' as const, ecCurve: 'P-256', subjectCommonName: SITE, signatureValid: true };

describe('csrViolations (pure rules)', () => {
  it('passes an EC P-256 or P-384 key and an RSA key of 2048 bits or more for the site’s own CN', () => {
    expect(csrViolations(facts, SITE)).toEqual([]);
    expect(csrViolations({ ...facts, ecCurve: 'P-384' }, SITE)).toEqual([]);
    expect(csrViolations({ ...facts, keyAlgorithm: 'RSA', rsaModulusBits: 2048 }, SITE)).toEqual([]);
  });

  it('names each rule broken', () => {
    const rules = (f: Parameters<typeof csrViolations>[0]) => csrViolations(f, SITE).map((v) => v.rule);
    expect(rules({ ...facts, keyAlgorithm: 'RSA', rsaModulusBits: 2047 })).toEqual(['rsa-key-size']);
    expect(rules({ ...facts, ecCurve: 'P-521' })).toEqual(['ec-curve']);
    expect(rules({ ...facts, keyAlgorithm: 'other' })).toEqual(['key-type']);
    expect(rules({ ...facts, subjectCommonName: 'site-west-10' })).toEqual(['subject-cn']);
    expect(rules({ keyAlgorithm: 'EC', ecCurve: 'P-256', signatureValid: false })).toEqual(['subject-cn', 'signature']);
  });
});

describe('checkCsr on real CSRs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-csr-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const opensslCsr = (name: string, args: string[]) => {
    const out = path.join(dir, `${name}.csr`);
    execFileSync('openssl', ['req', '-new', ...args, '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', out]);
    return readFileSync(out, 'utf8');
  };

  it('accepts an openssl P-384 CSR and an RSA 2048 one for the site', async () => {
    const ec = opensslCsr('ec384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-subj', `/CN=${SITE}`]);
    const rsa = opensslCsr('rsa2048', ['-newkey', 'rsa:2048', '-subj', `/CN=${SITE}/O=HCP`]);
    expect((await checkCsr(ec, SITE)).ok).toBe(true);
    expect((await checkCsr(rsa, SITE)).ok).toBe(true);
  });

  it('passes the OpenAPI example CSR for the seed site, which openssl verifies too', async () => {
    // Prepare
    const file = path.join(dir, 'example.csr');
    writeFileSync(file, EXAMPLE_GATEWAY_CSR_PEM);

    // Act
    const checked = await checkCsr(EXAMPLE_GATEWAY_CSR_PEM, SITE);
    const openssl = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();

    // Assess
    expect(checked.ok).toBe(true);
    expect(openssl).toMatch(/CN\s*=\s*site-west-1/);
  });

  it('refuses an Ed25519 key, a tampered CSR and something that is not a CSR, naming the rule', async () => {
    const ed25519 = opensslCsr('ed', ['-newkey', 'ed25519', '-subj', `/CN=${SITE}`]);
    const { csrPem } = await generateKeyAndCsr(SITE);
    const lines = csrPem.trim().split('\n');
    // Flip one base64 character of the signature (the last full line before the footer).
    const at = lines.length - 2;
    lines[at] = lines[at]!.replace(/[A-Za-z]/, (c) => (c === 'A' ? 'B' : 'A'));
    const rules = async (pem: string) => {
      const checked = await checkCsr(pem, SITE);
      return checked.ok ? [] : checked.violations.map((v) => v.rule);
    };
    expect(await rules(ed25519)).toEqual(['key-type']);
    expect(await rules(lines.join('\n'))).toEqual(['signature']);
    expect(await rules('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toEqual(['malformed-pem']);
  });
});
