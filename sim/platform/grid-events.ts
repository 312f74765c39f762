import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GridEventSiteFacts } from '../../core/grid-events/grid-event.js';
import { type GridSignal, gridSignalSchema } from '../../core/messages/grid-signal.js';
import { type TelemetryBatch, telemetryBatchSchema } from '../../core/messages/telemetry.js';
import { marketTopic, siteTopic } from '../../core/messages/topics.js';
import type { LadderRung } from '../../core/model/plan.js';
import type { Site } from '../../core/model/site.js';
import { recordGridSignal } from '../../functions/grid-events/record.js';
import { DynamoGridEventStore } from '../../functions/shared/data/grid-event-store.js';
import { DynamoSiteSeriesStore } from '../../functions/shared/data/site-series-store.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';

export interface LocalGridEventsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** A read-only connection that hears the sites' grid and telemetry topics and the markets' signals. */
  readonly messaging: MessagingPort;
  readonly sites: readonly Site[];
  /** The site's merit-order ladder now (the current plan's); empty before the first plan. */
  readonly ladderOf: (siteId: string) => Promise<readonly LadderRung[]>;
  /**
   * The site meter reading of a batch, kW. @default the batch's `sitePowerKw` (the devices' sum). The local platform's
   * virtual devices each stand for several units of the site model: it scales them, as its meter does.
   */
  readonly meterKw?: (batch: TelemetryBatch) => number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * The local stand-in for the grid-event recorder and the evidence's telemetry store: it hears each site's grid topic
 * (DR deployments and recalls, frequency) and each market node's signals (price), records the events they open and
 * close (functions/grid-events/record.ts, one signal at a time so an open and its close never race), and stores each
 * telemetry batch for the evidence (functions/shared/data/site-series-store.ts).
 */
export async function startLocalGridEvents(o: LocalGridEventsOptions): Promise<void> {
  const deps = { client: o.client, tableName: o.tableName };
  const store = new DynamoGridEventStore(deps);
  const series = new DynamoSiteSeriesStore(deps);
  const fail = (event: string) => (error: unknown) => o.log?.(event, { error: String(error) });
  let queue: Promise<unknown> = Promise.resolve();
  const serially = (work: () => Promise<unknown>) => {
    queue = queue.then(work).catch(fail('grid-event-record-failed'));
  };
  const sitesFor = async (signal: GridSignal, siteId?: string): Promise<GridEventSiteFacts[]> => {
    const sites = o.sites.filter((s) => (siteId ? s.id === siteId : s.marketNode === signal.node));
    return Promise.all(sites.map(async (site) => ({ site, ladder: await o.ladderOf(site.id) })));
  };
  const onSignal = (siteId?: string) => (_topic: string, payload: Buffer) => {
    const parsed = gridSignalSchema.safeParse(parseJson(payload));
    if (!parsed.success) return; // the gateway refuses it too
    serially(() => recordGridSignal(parsed.data, { store, sitesFor }, siteId));
  };
  for (const site of o.sites) {
    await o.messaging.subscribe('cloud', siteTopic(site.id, 'grid'), onSignal(site.id));
    await o.messaging.subscribe('cloud', siteTopic(site.id, 'telemetry'), (_topic, payload) => {
      const parsed = telemetryBatchSchema.safeParse(parseJson(payload));
      if (!parsed.success || parsed.data.siteId !== site.id) return;
      const batch = parsed.data;
      void series
        .writeBatch({ ...batch, sitePowerKw: o.meterKw?.(batch) ?? batch.sitePowerKw })
        .catch(fail('grid-event-series-failed'));
    });
  }
  for (const node of new Set(o.sites.map((s) => s.marketNode))) {
    await o.messaging.subscribe('cloud', marketTopic(node), onSignal());
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}
