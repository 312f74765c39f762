import { z } from 'zod';
import { type GridSignal, NOMINAL_FREQUENCY_HZ } from '../../core/messages/grid-signal.js';
import { siteTopic } from '../../core/messages/topics.js';
import { priceUsdPerMwhSchema } from '../../core/model/market.js';
import type { Site } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import type { PlatformEventSink } from './events.js';
import type { MarketFeed } from './market-feed.js';
import type { RunningMarketReplay } from './market-replay.js';

/** Simulated minutes an injected event lasts unless the request says otherwise. */
const DEFAULT_DURATION_MINUTES = 30;

const common = {
  /** Simulated minutes. */
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(DEFAULT_DURATION_MINUTES),
  /** Sites concerned; every running site when omitted. */
  siteIds: z.array(z.string().min(1).max(64)).min(1).max(500).optional(),
};

/** The dashboard's "inject" control: a price spike at the sites' nodes, or a grid event at their gateways. */
export const injectionRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('price-spike'), priceUsdPerMwh: priceUsdPerMwhSchema, ...common }),
  z.strictObject({
    kind: z.literal('demand-response'),
    /** An ancillary award deployed (ECRS, Non-Spin): each site curtails its armed award; else a DR programme's. */
    product: z.enum(['ECRS', 'NSPIN']).optional(),
    /** MW to shed per site; the site's committed MW (a product: its award in force) when omitted. */
    deployMw: z.number().positive().max(10_000).optional(),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('under-frequency'),
    /** Below the site's relay set-point to trip (59.7 Hz, or the registry's for an RRS-UFR award). */
    frequencyHz: z.number().min(55).lt(NOMINAL_FREQUENCY_HZ).default(59.5),
    ...common,
  }),
]);
export type InjectionRequest = z.infer<typeof injectionRequestSchema>;

export interface InjectionDeps {
  readonly clock: Clock;
  readonly feed: MarketFeed;
  readonly replay: Pick<RunningMarketReplay, 'nudge' | 'at'>;
  readonly sites: readonly Site[];
  /** Publishes on the local broker (QoS 1). */
  readonly publish: (topic: string, payload: string) => Promise<void>;
  readonly onEvent: PlatformEventSink;
}

export interface InjectionResult {
  readonly kind: InjectionRequest['kind'];
  readonly siteIds: readonly string[];
  readonly from: string;
  readonly until: string;
}

/** Unknown site ids are an input error naming the field, never a silent no-op. */
export class UnknownSiteError extends Error {
  constructor(readonly siteId: string) {
    super(`siteIds: unknown site ${siteId}`);
    this.name = 'UnknownSiteError';
  }
}

/**
 * Applies an injection on the simulated clock. A price spike overrides the market feed for its window (gateways,
 * optimizer and dashboard all see it); a DR deployment or an under-frequency excursion is published to each site's
 * grid topic, as a meter or a relay on the site LAN would, and recalled / restored when the window ends.
 */
export async function inject(request: InjectionRequest, deps: InjectionDeps): Promise<InjectionResult> {
  const sites = selectSites(deps.sites, request.siteIds);
  const fromMs = deps.clock.nowMs();
  const untilMs = fromMs + request.durationMinutes * 60_000;
  const publishAll = (signal: (site: Site, at: string) => GridSignal) =>
    Promise.all(
      sites.map((site) =>
        deps.publish(
          siteTopic(site.id, 'grid'),
          JSON.stringify(signal(site, new Date(deps.clock.nowMs()).toISOString())),
        ),
      ),
    ).then(() => undefined);
  let detail: string;
  switch (request.kind) {
    case 'price-spike': {
      deps.feed.addOverride({
        fromMs,
        untilMs,
        priceUsdPerMwh: request.priceUsdPerMwh,
        nodes: [...new Set(sites.map((s) => s.marketNode))],
      });
      deps.replay.nudge();
      detail = `price ${request.priceUsdPerMwh} $/MWh`;
      break;
    }
    case 'demand-response': {
      const eventId = `local-dr-${fromMs}`;
      const endsAt = new Date(untilMs).toISOString();
      const { deployMw, product } = request;
      const of = product ? { product } : {};
      await publishAll((site, at) => ({
        kind: 'demand-response',
        at,
        node: site.marketNode,
        eventId,
        action: 'deploy',
        endsAt,
        ...of,
        ...(deployMw !== undefined ? { deployMw } : {}),
      }));
      deps.replay.at(untilMs, () =>
        publishAll((site, at) => ({
          kind: 'demand-response',
          at,
          node: site.marketNode,
          eventId,
          action: 'recall',
          ...of,
        })),
      );
      const what = product ? `${product} deploy` : 'DR deploy';
      detail =
        deployMw !== undefined ? `${what} ${deployMw} MW per site` : `${what} (${product ? 'award' : 'committed MW'})`;
      break;
    }
    case 'under-frequency': {
      const { frequencyHz } = request;
      await publishAll((site, at) => ({ kind: 'frequency', at, node: site.marketNode, frequencyHz }));
      deps.replay.at(untilMs, () =>
        publishAll((site, at) => ({ kind: 'frequency', at, node: site.marketNode, frequencyHz: NOMINAL_FREQUENCY_HZ })),
      );
      detail = `frequency ${frequencyHz} Hz`;
      break;
    }
  }
  const siteIds = sites.map((s) => s.id);
  deps.onEvent({ type: 'injection', atMs: fromMs, kind: request.kind, untilMs, siteIds, detail });
  return {
    kind: request.kind,
    siteIds,
    from: new Date(fromMs).toISOString(),
    until: new Date(untilMs).toISOString(),
  };
}

function selectSites(sites: readonly Site[], siteIds: readonly string[] | undefined): readonly Site[] {
  if (!siteIds) return sites;
  return siteIds.map((id) => {
    const site = sites.find((s) => s.id === id);
    if (!site) throw new UnknownSiteError(id);
    return site;
  });
}
