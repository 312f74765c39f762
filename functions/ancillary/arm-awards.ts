import type { Award } from '../../core/ancillary/awards.js';
import type { SwitchFlowStarter } from '../api/switch-flows.js';

/**
 * Awards to a gateway: a site's awards go through a SwitchFlow (`arm`), which sends them in the signed `arm-ancillary`
 * command and waits for the gateway's ack, as it does for a plan. The awards come from a QSE's message
 * (receive-awards.ts).
 */

export interface ArmedSite {
  readonly siteId: string;
  readonly awards: readonly Award[];
  readonly executionArn: string;
}

/**
 * One site's awards through one SwitchFlow; the gateway replaces with them what it holds for the same product over
 * the time they cover, and keeps the rest (core/ancillary/awards.ts `awardsHeldAfter`).
 */
export async function armSiteAwards(
  switchFlows: SwitchFlowStarter,
  siteId: string,
  awards: readonly Award[],
  origin: string,
): Promise<ArmedSite> {
  const { executionArn } = await switchFlows.start(
    { siteId, arm: { awards: [...awards], reason: `ancillary awards (${origin})` }, requestedBy: 'ancillary-awards' },
    `${siteId}-arm-${origin}`.slice(0, 80),
  );
  return { siteId, awards, executionArn };
}
