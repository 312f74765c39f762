import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { NagEvidence } from './nag-evidence.js';

/** The hand-written mapping (docs/compliance/controls.yaml): control → how, where, and its evidence. */
export const MAPPING_FILE = 'docs/compliance/controls.yaml';
export const MATRIX_FILE = 'docs/compliance/CONTROL-MATRIX.md';
/** Files whose paths (in backticks) must exist, so a doc never cites a test or file that has gone. */
export const CITING_DOCS = ['docs/compliance/THREAT-MODEL.md'];

const FRAMEWORKS = ['SOC 2', 'ISO 27001:2022'] as const;
const controlSchema = z.strictObject({
  id: z.string().min(1),
  framework: z.enum(FRAMEWORKS),
  title: z.string().min(1),
  met: z.string().min(20),
  where: z.array(z.string().min(1)).min(1),
  tests: z.array(z.string().min(1)).min(1),
  nag: z.array(z.string().min(1)).default([]),
  artifacts: z.array(z.string().min(1)).default([]),
});
export const mappingSchema = z.strictObject({ controls: z.array(controlSchema).min(1) });
export type Mapping = z.infer<typeof mappingSchema>;
type Control = Mapping['controls'][number];

/** Jest's test files (jest.config.cjs testMatch): test/**\/*.test.ts and iot-greengrass/**\/*.test.ts. */
export function testFilesIn(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(relative);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(relative);
    }
  };
  for (const top of ['test', 'iot-greengrass']) walk(top);
  return found.sort();
}

export interface MatrixInputs {
  readonly root: string;
  readonly mapping: Mapping;
  readonly nag: NagEvidence;
  readonly testFiles: readonly string[];
  /** package.json's scripts: an artifact may be an output one of them writes. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Documents to check for cited paths, with their text. */
  readonly citingDocs: Readonly<Record<string, string>>;
}

/** Every way the mapping (or a citing document) points at something that does not exist; empty when sound. */
export function problemsOf(inputs: MatrixInputs): string[] {
  const problems: string[] = [];
  const tests = new Set(inputs.testFiles);
  const rules = new Set(inputs.nag.rules.map((r) => r.id));
  const exists = (p: string) => existsSync(path.join(inputs.root, p));
  const seen = new Set<string>();
  for (const c of inputs.mapping.controls) {
    const name = `${c.framework} ${c.id}`;
    if (seen.has(name)) problems.push(`${name}: listed twice`);
    seen.add(name);
    for (const p of c.where) if (!exists(p)) problems.push(`${name}: where: ${p} does not exist`);
    for (const t of c.tests) if (!tests.has(t)) problems.push(`${name}: tests: ${t} is not a test file`);
    for (const r of c.nag) if (!rules.has(r)) problems.push(`${name}: nag: ${r} applies to no resource of the app`);
    for (const a of c.artifacts) {
      const written = Object.values(inputs.scripts).some((command) => command.includes(a));
      if (!exists(a) && !written) problems.push(`${name}: artifacts: ${a} neither exists nor is written by a script`);
    }
  }
  for (const [doc, text] of Object.entries(inputs.citingDocs)) {
    for (const [, cited] of text.matchAll(/`((?:test|core|functions|stacks|bin|iot-greengrass|sim|docs)\/[^`\s]+)`/g)) {
      const file = cited!.replace(/:\d+(-\d+)?$/, '');
      if (!exists(file)) problems.push(`${doc}: cites ${file}, which does not exist`);
      else if (file.endsWith('.test.ts') && !tests.has(file)) problems.push(`${doc}: ${file} is not a test file`);
    }
  }
  return problems;
}

const code = (items: readonly string[]) => items.map((i) => `\`${i}\``).join('<br>');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function evidenceCell(c: Control, nag: NagEvidence): string {
  const outcome = new Map(nag.rules.map((r) => [r.id, r]));
  const parts = [`tests: ${code(c.tests)}`];
  if (c.nag.length > 0) {
    const rules = c.nag.map((id) => {
      const r = outcome.get(id)!;
      return `\`${id}\` (${r.applicable} checked, ${r.nonCompliant} acknowledged)`;
    });
    parts.push(`cdk-nag: ${rules.join('<br>')}`);
  }
  if (c.artifacts.length > 0) parts.push(`artifacts: ${code(c.artifacts)}`);
  return parts.join('<br>');
}

/** The matrix document: deterministic for the same inputs, so a stale copy shows as a difference. */
export function renderMatrix(inputs: MatrixInputs): string {
  const { mapping, nag } = inputs;
  const byFramework = (f: (typeof FRAMEWORKS)[number]) => mapping.controls.filter((c) => c.framework === f);
  const cited = new Set(mapping.controls.flatMap((c) => c.tests));
  const packRules = (prefix: string) => nag.rules.filter((r) => r.id.startsWith(prefix)).length;
  const reasons = new Map<string, Map<string, number>>();
  for (const a of nag.acknowledgements) {
    const rule = a.id.replace(/\[.*$/, '');
    const byReason = reasons.get(rule) ?? new Map<string, number>();
    byReason.set(a.reason, (byReason.get(a.reason) ?? 0) + 1);
    reasons.set(rule, byReason);
  }
  const distinctReasons = [...reasons.values()].reduce((n, m) => n + m.size, 0);

  const table = (controls: Control[], heading: string) => [
    `| ${heading} | How HCP meets it | Where | Evidence |`,
    '|---|---|---|---|',
    ...controls.map(
      (c) => `| **${c.id}** ${cell(c.title)} | ${cell(c.met)} | ${code(c.where)} | ${evidenceCell(c, nag)} |`,
    ),
  ];
  return [
    '# Control matrix',
    '',
    '<!-- Generated by `npm run compliance:matrix`; do not edit. test/infra/compliance-matrix.test.ts fails when it is stale. -->',
    '',
    `Generated from \`${MAPPING_FILE}\` (the hand-written mapping), both cdk-nag packs run over the app as`,
    '`cdk synth` builds it (cdk.json context), the acknowledgements made in the code, and the test files jest runs.',
    'The threat model is [THREAT-MODEL.md](THREAT-MODEL.md).',
    '',
    `- ${byFramework('SOC 2').length} SOC 2 trust services criteria, ${byFramework('ISO 27001:2022').length} ISO/IEC 27001:2022 Annex A controls;`,
    `  ${cited.size} test files cited.`,
    `- cdk-nag: ${nag.rules.length} rules apply to the app (${packRules('AwsSolutions-')} AwsSolutions, ${packRules('NIST.800.53.R5-')} NIST 800-53 rev 5);`,
    `  ${nag.violations.length} unacknowledged findings; ${nag.acknowledgements.length} acknowledgements with ${distinctReasons} distinct reasons.`,
    '',
    '## SOC 2 trust services criteria',
    '',
    ...table(byFramework('SOC 2'), 'Criterion'),
    '',
    '## ISO/IEC 27001:2022 Annex A',
    '',
    ...table(byFramework('ISO 27001:2022'), 'Control'),
    '',
    '## cdk-nag rules on the app',
    '',
    'Every rule of either pack that applies to at least one resource; "acknowledged" resources are findings kept on',
    "purpose, each with its reason below. CI's `cdk synth` fails on any finding neither fixed nor acknowledged.",
    '',
    '| Rule | Resources checked | Compliant | Acknowledged |',
    '|---|---:|---:|---:|',
    ...nag.rules.map((r) => `| \`${r.id}\` | ${r.applicable} | ${r.applicable - r.nonCompliant} | ${r.nonCompliant} |`),
    '',
    '## Acknowledged findings and their reasons',
    '',
    'Grouped by rule (findings with detail, such as `AwsSolutions-IAM5[Resource::…]`, under their rule); the count is',
    'the number of resources acknowledged with that reason. Platform-wide decisions are acknowledged once on the app',
    '(`stacks/constructs/nag.ts`), the rest next to the resource they concern.',
    '',
    ...[...reasons]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .flatMap(([rule, byReason]) => [
        `### ${rule}`,
        '',
        ...[...byReason]
          .sort(([ra, na], [rb, nb]) => nb - na || ra.localeCompare(rb))
          .map(([reason, n]) => `- (${n}) ${reason.replace(/\s+/g, ' ')}`),
        '',
      ]),
  ].join('\n');
}

/** Reads every input from the project at `root` (the nag evidence is computed by the caller: it builds the app). */
export function readInputs(root: string, nag: NagEvidence): MatrixInputs {
  const mapping = mappingSchema.parse(parse(readFileSync(path.join(root, MAPPING_FILE), 'utf8')));
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  const citingDocs = Object.fromEntries(
    CITING_DOCS.filter((d) => existsSync(path.join(root, d)) && statSync(path.join(root, d)).isFile()).map((d) => [
      d,
      readFileSync(path.join(root, d), 'utf8'),
    ]),
  );
  return { root, mapping, nag, testFiles: testFilesIn(root), scripts, citingDocs };
}
