import type { Clock } from '../../core/support/clock.js';

/** Wall-clock time for the CLI and the local platform; tests inject a ManualClock instead. */
export const realTimeClock: Clock = { nowMs: () => Date.now() };
