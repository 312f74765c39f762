import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseSync } from '@swc/core';

/**
 * The project's import graph, read with swc's TypeScript parser so that every kind of import counts: static and
 * type-only imports, `export ... from`, dynamic `import()` and `require()`. Only relative specifiers are followed
 * (packages in node_modules are outside the layers). Paths are repository-relative with `/` separators.
 */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** The floors, ground first: a file may import its own floor or one below, never one above. */
export const FLOORS: Readonly<Record<string, number>> = {
  core: 0,
  functions: 1,
  'iot-greengrass': 1,
  stacks: 2,
  sim: 3,
  bin: 3,
};

/**
 * Directories on one floor that still must not import each other: the cloud and the gateway share only core, and
 * the simulator and the CDK app entry point are separate programs.
 */
const SEPARATE_ON_ONE_FLOOR: ReadonlyArray<readonly [string, string]> = [
  ['functions', 'iot-greengrass'],
  ['iot-greengrass', 'functions'],
  ['sim', 'bin'],
  ['bin', 'sim'],
];

export interface BackEdge {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

const topOf = (path: string): string => path.split('/')[0] ?? '';

/** The rule an import breaks, or undefined when it follows the layers. `test/` may import anything. */
export function layerViolation(from: string, to: string): string | undefined {
  const fromTop = topOf(from);
  const toTop = topOf(to);
  if (toTop === 'test' && fromTop !== 'test') return 'nothing imports test/';
  if (fromTop === 'test' || fromTop === toTop) return undefined;
  const fromFloor = FLOORS[fromTop];
  const toFloor = FLOORS[toTop];
  if (fromFloor === undefined || toFloor === undefined) return undefined;
  if (toFloor > fromFloor) return `${fromTop}/ (floor ${fromFloor}) imports up into ${toTop}/ (floor ${toFloor})`;
  if (SEPARATE_ON_ONE_FLOOR.some(([a, b]) => a === fromTop && b === toTop)) {
    return `${fromTop}/ and ${toTop}/ share only what is below them`;
  }
  return undefined;
}

export function backEdges(graph: ImportGraph): BackEdge[] {
  const found: BackEdge[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const rule = layerViolation(from, to);
      if (rule) found.push({ from, to, rule });
    }
  }
  return found;
}

/** Every import circle, one path per strongly connected component (Tarjan), each closed: [a, b, ..., a]. */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    lowLink.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(target) ?? 0));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components.map((component) => cyclePath(graph, new Set(component)));
}

/** A closed path through one strongly connected component, found breadth-first from its first member back to it. */
function cyclePath(graph: ImportGraph, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) {
          path.splice(1, 0, at);
        }
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** The relative specifiers a TypeScript source imports, of every kind. */
export function importSpecifiers(source: string, fileName: string): string[] {
  const module = parseSync(source, { syntax: 'typescript', tsx: fileName.endsWith('.tsx'), comments: false });
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const type = record.type;
    if (
      (type === 'ImportDeclaration' || type === 'ExportAllDeclaration' || type === 'ExportNamedDeclaration') &&
      isStringLiteral(record.source)
    ) {
      found.push(record.source.value);
    }
    if (type === 'CallExpression') {
      const callee = record.callee as Record<string, unknown> | undefined;
      const first = (record.arguments as Array<{ expression?: unknown }> | undefined)?.[0]?.expression;
      const isImport = callee?.type === 'Import';
      const isRequire = callee?.type === 'Identifier' && callee.value === 'require';
      if ((isImport || isRequire) && isStringLiteral(first)) found.push(first.value);
    }
    if (type === 'TsImportType' && isStringLiteral(record.argument)) found.push(record.argument.value);
    if (type === 'TsExternalModuleReference' && isStringLiteral(record.expression)) {
      found.push(record.expression.value);
    }
    for (const [key, value] of Object.entries(record)) {
      if (key !== 'span' && value !== null && typeof value === 'object') walk(value);
    }
  };
  walk(module.body);
  return found.filter((specifier) => specifier.startsWith('.'));
}

function isStringLiteral(node: unknown): node is { value: string } {
  return node !== null && typeof node === 'object' && (node as { type?: unknown }).type === 'StringLiteral';
}

const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '/index.ts'];

/** The repository file a relative specifier names (`.js` suffixes map to `.ts`, as in the sources), or undefined. */
export function resolveSpecifier(root: string, fromFile: string, specifier: string): string | undefined {
  const base = resolve(root, dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, ''), base];
  for (const candidate of candidates) {
    for (const suffix of RESOLVE_SUFFIXES) {
      const path = candidate + suffix;
      if (existsSync(path) && statSync(path).isFile()) return relative(root, path).split(sep).join('/');
    }
  }
  return undefined;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'cdk.out', 'coverage', 'test-results', 'dist', '.git']);

function sourceFiles(root: string, directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, directory), { withFileTypes: true })) {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith('.')) files.push(...sourceFiles(root, path));
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files;
}

export interface ProjectGraph {
  readonly graph: ImportGraph;
  /** Relative specifiers that name no file: a broken import, or one this reader cannot follow. */
  readonly unresolved: ReadonlyArray<{ readonly from: string; readonly specifier: string }>;
}

/** The import graph of every .ts file under the layered directories and test/. */
export function readProjectGraph(root: string, directories: readonly string[]): ProjectGraph {
  const graph = new Map<string, string[]>();
  const unresolved: Array<{ from: string; specifier: string }> = [];
  for (const directory of directories) {
    if (!existsSync(join(root, directory))) continue;
    for (const file of sourceFiles(root, directory)) {
      const targets = new Set<string>();
      for (const specifier of importSpecifiers(readFileSync(join(root, file), 'utf8'), file)) {
        const target = resolveSpecifier(root, file, specifier);
        if (target === undefined) unresolved.push({ from: file, specifier });
        else targets.add(target);
      }
      graph.set(file, [...targets]);
    }
  }
  return { graph, unresolved };
}
