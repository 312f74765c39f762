import type { Rng } from '../../core/support/random.js';
import type { SimClock } from './sim-clock.js';

/**
 * Runs `arrive` at Poisson arrivals of `perHour` per simulated hour (exponential gaps on the simulated clock), one at
 * a time: the next gap starts when the previous arrival has finished. Nothing runs at a rate of 0. Returns the stop.
 */
export function poissonArrivals(clock: SimClock, rng: Rng, perHour: number, arrive: () => Promise<void>): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const scheduleNext = () => {
    if (stopped || perHour <= 0) return;
    const gapSimMs = (-Math.log(1 - rng.next()) / perHour) * 3_600_000;
    timer = setTimeout(() => {
      void arrive().finally(scheduleNext);
    }, clock.toRealMs(gapSimMs));
    timer.unref();
  };
  scheduleNext();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
