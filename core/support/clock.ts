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
