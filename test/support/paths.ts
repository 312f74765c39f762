import path from 'node:path';

/** Project root, found from this file so tests run from any working directory. */
export const projectRoot = path.resolve(__dirname, '..', '..');
/** The real market data shipped in sim/data/, located once for tools and tests alike (see sim/data/market-files.ts). */
export { ERCOT_AS_PRICE_FILE, ERCOT_PRICE_FILE, HASHPRICE_FILE } from '../../sim/data/market-files.js';
