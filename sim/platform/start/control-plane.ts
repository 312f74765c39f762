import type { Site } from '../../../core/model/site.js';
import type { BidVenues } from '../../../functions/bids/clear-interval.js';
import type { RegisteredFleet } from '../../../functions/fleet/registry-fleet.js';
import type { CommandSigner } from '../../../functions/switching/ports.js';
import { type RunningControlLoop, startControlLoop } from '../control-loop.js';
import type { PlatformEventSink } from '../events.js';
import { type InjectionRequest, type InjectionResult, inject } from '../injections.js';
import type { LocalMqtt } from '../local-mqtt.js';
import type { MarketFeed } from '../market-feed.js';
import { startMarketReplay } from '../market-replay.js';
import { dispatchEveryRealMs, type PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import { LOCAL_TABLE_NAME } from './stand-ins.js';
import type { Stops } from './stops.js';

export interface ControlPlaneOptions {
  readonly options: PlatformOptions;
  readonly sites: Site[];
  /** The registry: injections at "all sites" (or named ones) reach the sites registered when they are made. */
  readonly registered: () => Promise<Pick<RegisteredFleet, 'sites'>>;
  readonly clock: SimClock;
  readonly feed: MarketFeed;
  readonly dynamoEndpoint: string;
  readonly mqtt: LocalMqtt;
  readonly record: PlatformEventSink;
  readonly progress: (line: string) => void;
  readonly signer: CommandSigner;
  /** Where the clearing fills: filled in by the platform once its router and partner runner are up. */
  readonly bidVenues?: BidVenues;
}

export interface RunningControlPlane {
  readonly control: RunningControlLoop;
  /** A price spike, demand-response deployment or frequency excursion, now. */
  inject(request: InjectionRequest): Promise<InjectionResult>;
}

/**
 * Step 6, the control plane: OptimizeFlow and SwitchFlow from the synthesized ASL on a dispatch timer, and the market
 * replayed on the simulated clock (each interval's price ingested and relayed to the sites' gateways), which the
 * injections override.
 */
export async function startControlPlane(o: ControlPlaneOptions, stops: Stops): Promise<RunningControlPlane> {
  const { clock, feed, sites } = o;
  const control = await startControlLoop({
    dynamoEndpoint: o.dynamoEndpoint,
    tableName: LOCAL_TABLE_NAME,
    brokerUrl: o.mqtt.broker.url,
    brokerTls: o.mqtt.controlPlane,
    fleet: { sites },
    // Dispatch plans the sites as registered: startPlatform registers them through the API (start/registry.ts).
    fleetFromRegistry: true,
    clock,
    market: feed,
    dispatchEveryMs: dispatchEveryRealMs(o.options),
    onEvent: o.record,
    signer: o.signer,
    ...(o.bidVenues ? { bidVenues: o.bidVenues } : {}),
  });
  stops.push(control.stop);
  const replay = startMarketReplay({
    clock,
    feed,
    ingest: control.ingestMarket,
    onEvent: o.record,
    onError: (error) => o.progress(`market replay: ${error.message}`),
  });
  stops.push(replay.stop);
  return {
    control,
    inject: async (request) =>
      inject(request, {
        clock,
        feed,
        replay,
        sites: (await o.registered()).sites,
        publish: control.publish,
        onEvent: o.record,
      }),
  };
}
