import { intervalAt, POWER_TOLERANCE_KW, sitesToSwitch } from '../../../core/switching/diff.js';
import { planFor } from './plan-fixture.js';

const NOW = Date.parse('2026-11-28T12:02:00Z');

describe('which sites a new plan switches', () => {
  it('switches every site when there is no previous plan', () => {
    // Act
    const switches = sitesToSwitch(undefined, planFor(1, { 'site-a': 1, 'site-b': 2 }, NOW), NOW);

    // Assess
    expect(switches).toEqual([
      { siteId: 'site-a', reason: 'new-site' },
      { siteId: 'site-b', reason: 'new-site' },
    ]);
  });

  it('switches only sites whose setpoints in force now differ', () => {
    // Prepare
    const previous = planFor(1, { 'site-a': 10, 'site-b': 10 }, NOW);
    const next = planFor(2, { 'site-a': 10, 'site-b': 6 }, NOW);

    // Act
    const switches = sitesToSwitch(previous, next, NOW);

    // Assess
    expect(switches).toEqual([{ siteId: 'site-b', reason: 'setpoints-changed' }]);
  });

  it('compares the interval in force now, not later intervals', () => {
    // Prepare: only the second interval (5 minutes on) differs.
    const previous = planFor(1, { 'site-a': 10 }, NOW, { 'site-a': 10 });
    const next = planFor(2, { 'site-a': 10 }, NOW, { 'site-a': 2 });

    // Act / Assess
    expect(sitesToSwitch(previous, next, NOW)).toEqual([]);
    expect(sitesToSwitch(previous, next, NOW + 300_000)).toEqual([{ siteId: 'site-a', reason: 'setpoints-changed' }]);
  });

  it('ignores power-target differences within the tolerance', () => {
    // Prepare
    const previous = planFor(1, { 'site-a': 10 }, NOW);
    const next = planFor(2, { 'site-a': 10 }, NOW);
    next.sites[0]!.intervals[0]!.asicGroups[0]!.powerTargetKw += POWER_TOLERANCE_KW / 2;

    // Act / Assess
    expect(sitesToSwitch(previous, next, NOW)).toEqual([]);
  });

  it('takes the first interval when the plan starts after the instant', () => {
    // Prepare
    const site = planFor(1, { 'site-a': 3 }, NOW).sites[0]!;

    // Act / Assess
    expect(intervalAt(site, NOW - 3_600_000)).toBe(site.intervals[0]);
  });
});
