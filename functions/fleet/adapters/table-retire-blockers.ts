import type { SiteSwitchState } from '../../shared/data/switch-state-store.js';
import type { RetireBlockers } from '../registry.js';

/** A switch that has not ended: the flow is draining the site or waiting for the gateway's ack. */
const IN_FLIGHT: ReadonlyArray<SiteSwitchState['status']> = ['draining', 'commanded'];

/**
 * What blocks retiring a site, from the table: jobs handed to the site and not ended (the router's site queue), and a
 * SwitchFlow still in flight (the site's switching state).
 */
export function tableRetireBlockers(deps: {
  readonly jobs: { queuedAt(siteId: string): Promise<readonly unknown[]> };
  readonly switches: { get(siteId: string): Promise<SiteSwitchState | undefined> };
}): RetireBlockers {
  return {
    async blocking(siteId) {
      const [queued, state] = await Promise.all([deps.jobs.queuedAt(siteId), deps.switches.get(siteId)]);
      return [
        ...(queued.length > 0 ? [`${queued.length} job(s) queued at the site`] : []),
        ...(state && IN_FLIGHT.includes(state.status)
          ? [`a switch is in flight (${state.status}, execution ${state.executionName})`]
          : []),
      ];
    },
  };
}
