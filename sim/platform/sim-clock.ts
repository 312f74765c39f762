import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/support/clock.js';

/**
 * The local platform's one clock: simulated time that starts at the market's first instant and runs `speed` times
 * faster than the wall clock. Control plane, gateways, devices and market replay all read it, so a plan's intervals,
 * a command's validity and a device's wake-up time stay consistent with each other at any speed.
 */
export class SimClock implements Clock {
  private readonly realStartMs: number;

  constructor(
    readonly simStartMs: number,
    readonly speed: number,
    private readonly realNowMs: () => number = Date.now,
  ) {
    if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
    this.realStartMs = realNowMs();
  }

  nowMs(): number {
    return this.simStartMs + (this.realNowMs() - this.realStartMs) * this.speed;
  }

  /** Real milliseconds until the simulated instant `simMs` (0 when it has passed). */
  realMsUntil(simMs: number): number {
    return Math.max(0, (simMs - this.nowMs()) / this.speed);
  }

  /** A simulated duration in real milliseconds. */
  toRealMs(simDurationMs: number): number {
    return simDurationMs / this.speed;
  }
}

const clockFile = (dir: string) => path.join(dir, 'platform-clock.json');

/**
 * With `--data`, simulated time goes on where the last run stopped: the plans, locks and command sequence kept in
 * DynamoDB and the gateways' state files are stamped in simulated time, and going back would make them look future.
 */
export function resumeAtMs(dir: string | undefined): number | undefined {
  if (!dir || !existsSync(clockFile(dir))) return undefined;
  const saved = JSON.parse(readFileSync(clockFile(dir), 'utf8')) as { simNow?: unknown };
  const atMs = typeof saved.simNow === 'string' ? Date.parse(saved.simNow) : Number.NaN;
  if (Number.isNaN(atMs)) throw new Error(`--data: ${clockFile(dir)} has no valid simNow`);
  return atMs;
}

export function saveClock(dir: string, simNowMs: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(clockFile(dir), `${JSON.stringify({ simNow: new Date(simNowMs).toISOString() })}\n`);
}
