/** Time is injected into core/ so the same inputs always give the same result. */
export interface Clock {
  nowMs(): number;
}

export const fixedClock = (atMs: number): Clock => ({ nowMs: () => atMs });

/** A clock the caller moves by hand: simulations and tests. */
export class ManualClock implements Clock {
  constructor(private currentMs: number) {}
  nowMs(): number {
    return this.currentMs;
  }
  advanceMs(deltaMs: number): void {
    this.currentMs += deltaMs;
  }
  setMs(atMs: number): void {
    this.currentMs = atMs;
  }
}

/**
 * The wall clock, defined once for every runtime: Lambda wiring, gateway mains, the local platform and its CLIs pass
 * it in. Nothing else in core/ reads it; core's functions take a Clock.
 */
export const systemClock: Clock = { nowMs: () => Date.now() };
