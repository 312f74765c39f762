import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resumeAtMs, SimClock, saveClock } from '../../../sim/platform/sim-clock.js';

describe('SimClock', () => {
  it('starts at the market start and runs speed times faster than the wall clock', () => {
    // Prepare
    let realMs = 1_000_000;
    const clock = new SimClock(Date.parse('2025-01-13T06:00:00Z'), 30, () => realMs);
    // Act
    realMs += 10_000;
    // Assess
    expect(new Date(clock.nowMs()).toISOString()).toBe('2025-01-13T06:05:00.000Z');
  });

  it('converts simulated durations and instants to real milliseconds', () => {
    const realMs = 0;
    const clock = new SimClock(0, 15, () => realMs);
    expect(clock.toRealMs(300_000)).toBe(20_000);
    expect(clock.realMsUntil(150_000)).toBe(10_000);
    expect(clock.realMsUntil(-1)).toBe(0);
  });

  it('refuses a speed that is not positive', () => {
    expect(() => new SimClock(0, 0)).toThrow(/speed must be positive/);
  });
});

describe('simulated time across restarts (--data)', () => {
  it('resumes where the last run stopped, and starts fresh without a saved clock', () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-clock-'));
    expect(resumeAtMs(dir)).toBeUndefined();
    expect(resumeAtMs(undefined)).toBeUndefined();
    // Act
    saveClock(dir, Date.parse('2025-01-13T07:45:00Z'));
    // Assess
    expect(resumeAtMs(dir)).toBe(Date.parse('2025-01-13T07:45:00Z'));
  });

  it('refuses a saved clock it cannot read, naming --data', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hcp-clock-'));
    writeFileSync(path.join(dir, 'platform-clock.json'), '{"simNow":"yesterday"}');
    expect(() => resumeAtMs(dir)).toThrow(/--data: .*platform-clock.json has no valid simNow/);
  });
});
