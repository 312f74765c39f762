import { tableRetireBlockers } from '../../../functions/fleet/adapters/table-retire-blockers.js';
import type { SiteSwitchState } from '../../../functions/shared/data/switch-state-store.js';

const state = (status: SiteSwitchState['status']): SiteSwitchState => ({
  siteId: 'site-a',
  status,
  executionName: 'plan-3-site-a',
  updatedAt: '2026-07-01T00:00:00Z',
});

describe('what blocks retiring a site', () => {
  it('names queued jobs and a switch in flight, and nothing once both are done', async () => {
    // Prepare
    const blockers = (queued: number, switching?: SiteSwitchState) =>
      tableRetireBlockers({
        jobs: { queuedAt: async () => Array.from({ length: queued }) },
        switches: { get: async () => switching },
      });

    // Act
    const busy = await blockers(3, state('commanded')).blocking('site-a');
    const draining = await blockers(0, state('draining')).blocking('site-a');
    const idle = await blockers(0, state('committed')).blocking('site-a');
    const never = await blockers(0).blocking('site-a');

    // Assess
    expect(busy).toEqual(['3 job(s) queued at the site', 'a switch is in flight (commanded, execution plan-3-site-a)']);
    expect(draining).toEqual(['a switch is in flight (draining, execution plan-3-site-a)']);
    expect([idle, never]).toEqual([[], []]);
  });
});
