import path from 'node:path';

/** Project root, found from this file so tests run from any working directory. */
export const projectRoot = path.resolve(__dirname, '..', '..');
/** The shared real market data, located once for tools and tests alike (see sim/data/market-files.ts). */
export { SHARED_DATA_DIR as sharedDataDir } from '../../sim/data/market-files.js';
