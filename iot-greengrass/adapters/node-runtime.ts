/**
 * The Node.js a component process needs. The recipes run `node` from the core's PATH (or the component's
 * `nodeExecutable` configuration) and install nothing, so a gateway whose Node is older must fail at start with a
 * message an operator can act on, not with a TypeError deep in a dependency. Node 24 is the runtime the cloud side
 * (Lambda nodejs24.x) and the test suite run on.
 */
export const REQUIRED_NODE_MAJOR = 24;

/** Why this Node cannot run a component, or undefined when it can. */
export function nodeRuntimeProblem(version: string = process.version): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= REQUIRED_NODE_MAJOR) return undefined;
  return `Node >= ${REQUIRED_NODE_MAJOR} required, found ${version}`;
}
