import type { Bid, BidFill } from '../../core/bids/bid.js';
import { type FillWork, fillWork, fillWorkloadIds, fillWorkloads } from '../../core/bids/fill-work.js';
import { offerOf } from '../../core/partners/catalogue.js';
import type { PartnerQuote } from '../../core/partners/overflow.js';
import { roundUsd } from '../../core/routing/pricing.js';
import type { PartnerCatalogueSource, PartnerDispatchPort, PartnerOverflowDeps } from '../partners/ports.js';
import { sendToPartner } from '../routing/route.js';
import type { TransitionDeps } from '../routing/transitions.js';
import type { DynamoJobStore } from '../shared/data/job-store.js';
import type { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import type { BidVenues } from './clear-interval.js';

/**
 * A fill's work on the platform (issue 28): its parts (core/bids/fill-work.ts) accepted as workloads in the `bid`
 * tier, each with its job, by the same conditional transaction a submission uses, once per part. A site fill's parts
 * wait for the router, which sends them to a site's GpuWorker like any job; a partner fill's parts are handed to the
 * partner runner as the router hands overflow work (functions/routing/route.ts `sendToPartner`), queued at the partner
 * with the part's share of the fill's partner cost (the customer is billed on the fill, not on the attempt).
 */
export interface FillWorkDeps extends TransitionDeps {
  readonly workloads: Pick<DynamoWorkloadStore, 'acceptOnce'>;
  readonly jobs: Pick<DynamoJobStore, 'get' | 'commit'>;
  /** The partner runner and catalogue, for partner fills. @default none: a partner fill's parts wait unrouted */
  readonly partners?: { readonly catalogue: PartnerCatalogueSource; readonly dispatch: PartnerDispatchPort };
  /** Told when new parts wait for the router (locally: route now; in AWS the table's stream does it). */
  readonly onCreated?: () => void;
}

export async function createFillWork(deps: FillWorkDeps, bid: Bid, fill: BidFill, submittedAt: string) {
  const parts = fillWorkloads(bid, fill, submittedAt);
  let created = 0;
  // Parts are created in order: the last one's job there means all are (each dispatch of an interval runs this again).
  const last = parts.at(-1)!;
  const done = (await deps.jobs.get(last.tenantId, last.id)) !== undefined;
  if (!done) for (const part of parts) if (await deps.workloads.acceptOnce(part)) created += 1;
  if (fill.venue === 'partner') await handToPartner(deps, bid, fill, parts);
  else if (created > 0) deps.onCreated?.();
  return { parts: parts.length, created };
}

async function handToPartner(
  deps: FillWorkDeps,
  bid: Bid,
  fill: BidFill,
  parts: ReturnType<typeof fillWorkloads>,
): Promise<void> {
  const partner = (await deps.partners?.catalogue.partners())?.find((p) => p.partnerId === fill.partnerId);
  const offer = partner && offerOf(partner, bid.modelClass);
  if (!deps.partners || !partner || !offer) {
    deps.log?.('bid-fill-partner-missing', { bidId: bid.id, partnerId: fill.partnerId });
    return;
  }
  const total = parts.reduce((a, p) => a + p.outputTokens, 0);
  const nowMs = deps.clock.nowMs();
  for (const part of parts) {
    const read = await deps.jobs.get(part.tenantId, part.id);
    // Handed over already (the clearing ran again): the runner has it.
    if (read?.state.status !== 'pending') continue;
    const quote: PartnerQuote = {
      partnerId: partner.partnerId,
      costUsd: roundUsd(((fill.partnerCostUsd ?? 0) * part.outputTokens) / total),
      // Billed on the fill (cost + margin at the clearing): the attempt itself bills nothing.
      priceUsd: 0,
      marginUsd: 0,
      estimatedFinishMs: nowMs + partner.latencyMs + (part.outputTokens / offer.outputTokensPerSec) * 1000,
    };
    await sendToPartner({ ...deps, dispatch: deps.partners.dispatch }, read, read.state.job.attempt, quote);
  }
}

/** How a fill's work went (its parts' jobs read by their derived ids) and what the statement credits for it. */
export async function readFillWork(jobs: Pick<DynamoJobStore, 'get'>, bid: Bid, fill: BidFill): Promise<FillWork> {
  const states = await Promise.all(fillWorkloadIds(bid, fill).map((id) => jobs.get(bid.tenantId, id)));
  return fillWork(
    bid,
    fill,
    states.map((s) => s?.state),
  );
}

/**
 * The venues a clearing fills into (functions/bids/clear-interval.ts `BidVenues`): the sites, whose fills' work the
 * router takes, and the partners when `deps.partners` is given (catalogue, tenants' settings, the runner).
 */
export function fillVenues(
  deps: Omit<FillWorkDeps, 'partners'> & { readonly partners?: PartnerOverflowDeps },
): BidVenues {
  return {
    ...(deps.partners ? { partners: deps.partners } : {}),
    work: (bid, fill, submittedAt) => createFillWork(deps, bid, fill, submittedAt),
  };
}
