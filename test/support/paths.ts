import path from 'node:path';

/** Project root, found from this file so tests run from any working directory. */
export const projectRoot = path.resolve(__dirname, '..', '..');
/** The shared real market data (../shared/data relative to the project root); never copied into the project. */
export const sharedDataDir = path.resolve(projectRoot, '..', 'shared', 'data');
