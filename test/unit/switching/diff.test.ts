import { intervalAt, POWER_TOLERANCE_KW, type SiteBaseline, sitesToSwitch } from '../../../core/switching/diff.js';
import { planFor } from './plan-fixture.js';

const NOW = Date.parse('2026-11-28T12:02:00Z');

/** Baselines where each site committed its part of `plan`. */
const committedTo = (plan: ReturnType<typeof planFor>, extra: Record<string, Partial<SiteBaseline>> = {}) =>
  new Map(plan.sites.map((site) => [site.siteId, { committed: site, ...extra[site.siteId] } as SiteBaseline]));

describe('which sites a new plan switches', () => {
  it('switches every site that has committed nothing', () => {
    // Act
    const switches = sitesToSwitch(planFor(1, { 'site-a': 1, 'site-b': 2 }, NOW), new Map(), NOW);

    // Assess
    expect(switches).toEqual([
      { siteId: 'site-a', reason: 'not-committed' },
      { siteId: 'site-b', reason: 'not-committed' },
    ]);
  });

  it('switches only sites whose committed setpoints in force now differ', () => {
    // Prepare
    const committed = committedTo(planFor(1, { 'site-a': 10, 'site-b': 10 }, NOW));
    const next = planFor(2, { 'site-a': 10, 'site-b': 6 }, NOW);

    // Act
    const switches = sitesToSwitch(next, committed, NOW);

    // Assess
    expect(switches).toEqual([{ siteId: 'site-b', reason: 'setpoints-changed' }]);
  });

  it('switches a site again whose last switch failed, even if the plan did not change', () => {
    // Prepare: site-b's switch to these setpoints was compensated, so it committed nothing.
    const plan = planFor(2, { 'site-a': 10, 'site-b': 6 }, NOW);
    const baselines = committedTo(plan, { 'site-b': { committed: undefined } });

    // Act / Assess
    expect(sitesToSwitch(plan, baselines, NOW)).toEqual([{ siteId: 'site-b', reason: 'not-committed' }]);
  });

  it('leaves alone a site under an operator override until it expires, and a site being switched', () => {
    // Prepare
    const plan = planFor(2, { 'site-a': 3, 'site-b': 3 }, NOW);
    const baselines = new Map<string, SiteBaseline>([
      ['site-a', { overrideUntilMs: NOW + 60_000 }],
      ['site-b', { switching: true }],
    ]);

    // Act / Assess
    expect(sitesToSwitch(plan, baselines, NOW)).toEqual([]);
    expect(sitesToSwitch(plan, baselines, NOW + 60_000)).toEqual([{ siteId: 'site-a', reason: 'not-committed' }]);
  });

  it('compares the interval in force now, not later intervals', () => {
    // Prepare: only the second interval (5 minutes on) differs.
    const committed = committedTo(planFor(1, { 'site-a': 10 }, NOW, { 'site-a': 10 }));
    const next = planFor(2, { 'site-a': 10 }, NOW, { 'site-a': 2 });

    // Act / Assess
    expect(sitesToSwitch(next, committed, NOW)).toEqual([]);
    expect(sitesToSwitch(next, committed, NOW + 300_000)).toEqual([{ siteId: 'site-a', reason: 'setpoints-changed' }]);
  });

  it('ignores power-target differences within the tolerance', () => {
    // Prepare
    const committed = committedTo(planFor(1, { 'site-a': 10 }, NOW));
    const next = planFor(2, { 'site-a': 10 }, NOW);
    next.sites[0]!.intervals[0]!.asicGroups[0]!.powerTargetKw += POWER_TOLERANCE_KW / 2;

    // Act / Assess
    expect(sitesToSwitch(next, committed, NOW)).toEqual([]);
  });

  it('takes the first interval when the plan starts after the instant', () => {
    // Prepare
    const site = planFor(1, { 'site-a': 3 }, NOW).sites[0]!;

    // Act / Assess
    expect(intervalAt(site, NOW - 3_600_000)).toBe(site.intervals[0]);
  });
});
