/** Synthetic market, workload and inventory generators: pure and seeded (see sim/synthetic/README.md). */
export * from './bitcoin.js';
export * from './calendar.js';
export * from './calibration.js';
export * from './draws.js';
export * from './fidelity.js';
export * from './gpu-spot.js';
export * from './grid-events.js';
export * from './market-stream.js';
export * from './price-model.js';
export * from './resources.js';
export * from './scenario.js';
export * from './workloads.js';
