import { resolve } from 'node:path';
import {
  backEdges,
  FLOORS,
  type ImportGraph,
  importCycles,
  importSpecifiers,
  readProjectGraph,
} from '../../support/import-graph.js';

const ROOT = resolve(__dirname, '../../..');
const project = readProjectGraph(ROOT, [...Object.keys(FLOORS), 'test']);

const described = (edges: ReturnType<typeof backEdges>): string[] =>
  edges.map(({ from, to, rule }) => `${from} -> ${to}: ${rule}`);

describe('the layers: core <- functions, iot-greengrass <- stacks <- sim, bin', () => {
  it('reads the whole project', () => {
    // Assess
    expect(project.graph.size).toBeGreaterThan(400);
    expect(project.unresolved).toEqual([]);
  });

  it('has no import that goes up a floor, or into test/', () => {
    // Assess
    expect(described(backEdges(project.graph))).toEqual([]);
  });

  it('has no import circle, type-only and dynamic imports included', () => {
    // Assess
    expect(importCycles(project.graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

describe('the layering check itself', () => {
  it('reads static, type-only, re-exported, dynamic and required imports, not comments or strings', () => {
    // Prepare
    const source = [
      "import { a } from './static.js';",
      "import type { B } from './type-only.js';",
      "export { c } from './re-export.js';",
      "export * from './export-all.js';",
      "import './side-effect.js';",
      "const d = await import('./dynamic.js');",
      "const e = require('./required.js');",
      "type F = import('./import-type.js').F;",
      "// import { g } from './in-a-comment.js';",
      'const text = "import { h } from \'./in-a-string.js\'";',
      "import { z } from 'zod';",
    ].join('\n');

    // Act
    const specifiers = importSpecifiers(source, 'planted.ts');

    // Assess
    expect(specifiers.sort()).toEqual(
      [
        './dynamic.js',
        './export-all.js',
        './import-type.js',
        './re-export.js',
        './required.js',
        './side-effect.js',
        './static.js',
        './type-only.js',
      ].sort(),
    );
  });

  it('finds a planted back-edge and an import of test/', () => {
    // Prepare
    const graph: ImportGraph = new Map([
      ['core/a.ts', ['functions/b.ts']],
      ['functions/b.ts', ['core/a.ts']],
      ['stacks/c.ts', ['functions/b.ts', 'sim/d.ts']],
      ['sim/d.ts', ['test/support/e.ts', 'stacks/c.ts']],
      ['test/support/e.ts', ['sim/d.ts']],
    ]);

    // Act
    const edges = backEdges(graph).map(({ from, to }) => `${from} -> ${to}`);

    // Assess
    expect(edges.sort()).toEqual([
      'core/a.ts -> functions/b.ts',
      'sim/d.ts -> test/support/e.ts',
      'stacks/c.ts -> sim/d.ts',
    ]);
  });

  it('finds a planted circle and gives its path', () => {
    // Prepare
    const graph: ImportGraph = new Map([
      ['functions/a.ts', ['functions/b.ts']],
      ['functions/b.ts', ['functions/c.ts', 'core/x.ts']],
      ['functions/c.ts', ['functions/a.ts']],
      ['core/x.ts', []],
      ['core/self.ts', ['core/self.ts']],
    ]);

    // Act
    const cycles = importCycles(graph);

    // Assess
    expect(cycles).toContainEqual(['functions/a.ts', 'functions/b.ts', 'functions/c.ts', 'functions/a.ts']);
    expect(cycles).toContainEqual(['core/self.ts', 'core/self.ts']);
    expect(cycles).toHaveLength(2);
  });
});
