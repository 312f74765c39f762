import type { AncillaryAwards, Award } from '../../core/ancillary/awards.js';
import type { Plan } from '../../core/model/plan.js';
import type { SwitchFlowStarter } from '../api/switch-flows.js';

/**
 * Awards to the gateways: for each site of a plan that offered ancillary capacity, the awards the market made for its
 * offers (the `AncillaryAwards` port) go to the site's gateway through a SwitchFlow (`arm`), which sends them in the
 * signed `arm-ancillary` command and waits for the gateway's ack, as it does for a plan. In AWS the awards come
 * later, from the QSE's feed (adapters/qse-award-feed.ts), and `armSiteAwards` is called with them.
 */

export interface ArmAwardsDeps {
  readonly awards: AncillaryAwards;
  readonly switchFlows: SwitchFlowStarter;
}

export interface ArmedSite {
  readonly siteId: string;
  readonly awards: readonly Award[];
  readonly executionArn: string;
}

/**
 * How far ahead of the plan's start its offers are armed: the plan offers for each of its 5-minute intervals, over a
 * horizon of a day or more; the next dispatch (5 minutes later) arms the next ones, and a command stays small.
 */
export const ARM_AHEAD_MS = 2 * 3_600_000;

/** Every site of the plan with offers: its awards for the next two hours, armed through one SwitchFlow each. */
export async function armPlanAwards(deps: ArmAwardsDeps, plan: Plan): Promise<ArmedSite[]> {
  const armed: ArmedSite[] = [];
  const untilMs = Date.parse(plan.horizonStart) + ARM_AHEAD_MS;
  for (const site of plan.sites) {
    const offers = (site.ancillaryOffers ?? []).filter((o) => o.intervalStartMs < untilMs);
    if (offers.length === 0) continue;
    const awards = await deps.awards.awardsFor(site.siteId, offers, plan.intervalMinutes * 60_000);
    if (awards.length === 0) continue;
    armed.push(await armSiteAwards(deps.switchFlows, site.siteId, awards, `plan-v${plan.version}`));
  }
  return armed;
}

/** One site's awards (all of them from now on: they replace what the gateway holds) through one SwitchFlow. */
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
