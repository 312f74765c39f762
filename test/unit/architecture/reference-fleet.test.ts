import { resolve } from 'node:path';
import { type ImportGraph, readProjectGraph } from '../../support/import-graph.js';

const ROOT = resolve(__dirname, '../../..');
const SEED = 'core/fleet/reference-fleet.ts';
/** Deployed code: it reads the site registry, never the seed data of the simulator and the tests. */
const DEPLOYED = ['functions/', 'stacks/', 'iot-greengrass/'];

/** Each deployed module that reaches `target` through its imports, with the import chain that gets there. */
function chainsTo(graph: ImportGraph, target: string, from: readonly string[]): string[] {
  const found: string[] = [];
  for (const start of [...graph.keys()].filter((file) => from.some((dir) => file.startsWith(dir)))) {
    const seen = new Map<string, string | undefined>([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (file === target) {
        const chain: string[] = [];
        for (let at: string | undefined = file; at !== undefined; at = seen.get(at)) chain.unshift(at);
        found.push(chain.join(' -> '));
        break;
      }
      for (const next of graph.get(file) ?? []) {
        if (!seen.has(next)) {
          seen.set(next, file);
          queue.push(next);
        }
      }
    }
  }
  return found;
}

describe('the reference fleet is seed data only', () => {
  it('is reached by no module under functions/, stacks/ or iot-greengrass/, directly or through other imports', () => {
    // Prepare
    const project = readProjectGraph(ROOT, ['core', 'functions', 'stacks', 'iot-greengrass']);

    // Act
    const chains = chainsTo(project.graph, SEED, DEPLOYED);

    // Assess
    expect(chains).toEqual([]);
  });

  it('finds a planted import, also one through a re-export', () => {
    // Prepare
    const graph: ImportGraph = new Map([
      ['functions/a.ts', ['core/index.ts']],
      ['core/index.ts', [SEED]],
      ['stacks/b.ts', ['core/model/site.ts']],
      ['core/model/site.ts', []],
      [SEED, ['core/model/site.ts']],
    ]);

    // Act
    const chains = chainsTo(graph, SEED, DEPLOYED);

    // Assess
    expect(chains).toEqual([`functions/a.ts -> core/index.ts -> ${SEED}`]);
  });
});
