import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { siteModelOf } from '../../core/fleet/site-config.js';
import type { BidVenues } from '../../functions/bids/clear-interval.js';
import { cachedRegisteredSites } from '../../functions/fleet/registry-fleet.js';
import { DynamoSiteRegistryStore } from '../../functions/shared/data/site-registry-store.js';
import { LocalCommandSigner } from '../../functions/switching/adapters/local-command-signer.js';
import type { RunningBidders } from './bidders.js';
import type { RunningCustomers } from './customers.js';
import type { GpuWork } from './gpu-work.js';
import type { InjectionRequest, InjectionResult } from './injections.js';
import type { DemoTenant, LocalApi } from './local-api.js';
import type { LocalMqtt } from './local-mqtt.js';
import { FLEETS } from './mixed-fleet.js';
import type { PlatformObserver } from './observer.js';
import type { PlatformOptions } from './options.js';
import type { SimClock } from './sim-clock.js';
import { startApi } from './start/api.js';
import { bidVenuesOf, startBidMarket } from './start/bids.js';
import { startControlPlane } from './start/control-plane.js';
import type { DashboardTls } from './start/dashboard-tls.js';
import { platformEvents } from './start/event-sink.js';
import { startCustomers, startGpuSide, startLatestStateRules } from './start/gpu-side.js';
import { startGridEvents } from './start/grid-events.js';
import { openMarket } from './start/market.js';
import { followRegistry, REGISTRY_FOLLOW_REAL_MS, startObserver } from './start/observer.js';
import { startPartnerCapacity, VIRTUAL_PARTNER_ID } from './start/partner.js';
import { registerSitesThroughApi } from './start/registry.js';
import { followRegisteredSites, type SiteDevices, startSites } from './start/sites.js';
import { LOCAL_TABLE_NAME, localDocumentClient, startBroker, startTable } from './start/stand-ins.js';
import { Stops } from './start/stops.js';
import { openTelemetryHistory, startApiProber, type TelemetryHistory } from './start/telemetry-history.js';

export { describeEvent } from './start/event-sink.js';
export { LOCAL_TABLE_NAME } from './start/stand-ins.js';

export interface RunningPlatform {
  readonly endpoints: {
    readonly dynamodb: string;
    readonly mqtt: string;
    /** mosquitto_sub with the operator's certificate, which the platform wrote to its data directory. */
    readonly mosquittoSub: string;
    readonly api: string;
    readonly dashboard: string;
    readonly devices: readonly SiteDevices[];
  };
  /** With `--tls`: the CA root a phone installs (file and SHA-256) and the names the certificate is valid for. */
  readonly tls?: Pick<DashboardTls, 'caFile' | 'caFingerprint' | 'names'>;
  readonly clock: SimClock;
  readonly market: string;
  readonly api: LocalApi['available'];
  readonly demo: DemoTenant;
  readonly observer: PlatformObserver;
  /**
   * The broker's client identities, for tests that act as outside clients would: the operator's read-only files, the
   * control plane's material (an insider on the broker without the command-signing key) and each gateway's.
   */
  readonly mqttIdentities: Pick<LocalMqtt, 'operator' | 'controlPlane' | 'gatewayTls'>;
  readonly customers?: RunningCustomers;
  /** The simulated bidders of the bid market (issue 28); none with `--bids-per-hour 0`. */
  readonly bidders?: RunningBidders;
  /** GPU workers, routing and webhooks (absent with `--gpu-nodes 0`). */
  readonly gpuWork?: GpuWork;
  /** The telemetry history: the Parquet store the history API reads, and its recorder. */
  readonly history: TelemetryHistory;
  /** Runs one dispatch (market ingestion → OptimizeFlow → SwitchFlows) now. */
  dispatchOnce(): Promise<{ status: string }>;
  inject(request: InjectionRequest): Promise<InjectionResult>;
  stop(): Promise<void>;
}

/**
 * Starts the local platform in the README's order, reporting each step through `progress`; the steps are in
 * `start/`. Whatever started before a failure is stopped again, so a failed start leaves no process behind.
 */
export async function startPlatform(
  options: PlatformOptions,
  progress: (line: string) => void = () => {},
): Promise<RunningPlatform> {
  const stops = new Stops();
  try {
    const records = FLEETS[options.fleet].slice(0, options.sites);
    const sites = records.map(siteModelOf);
    const events = platformEvents(progress);
    const { record } = events;

    progress('opening the market…');
    const { feed, clock } = await openMarket(options, sites, stops);

    progress('starting DynamoDB Local…');
    const dynamo = await startTable(options, stops);
    // The registry as the local parts read it (the store the operator API writes), at most a second old.
    const registered = cachedRegisteredSites(
      new DynamoSiteRegistryStore({ client: localDocumentClient(dynamo), tableName: LOCAL_TABLE_NAME }),
      Date.now,
      REGISTRY_FOLLOW_REAL_MS,
    );

    progress('starting the MQTT broker (IoT Core stand-in: mutual TLS, per-identity topic rules)…');
    const mqtt = await startBroker(options, stops);

    const stateRoot = options.data ?? mkdtempSync(path.join(tmpdir(), 'hcp-gateways-'));
    // The control plane signs every command with a key made now; the gateways list its public key (KMS in AWS).
    const signing = LocalCommandSigner.generate('local-platform');
    const commandKey = { kid: signing.signer.kid, publicKeyPem: signing.publicKeyPem };
    const siteOptions = { options, records, clock, mqtt, stateRoot, record, progress, commandKey };
    const hardware = await startSites(siteOptions, stops);

    progress('opening the telemetry history (Parquet, site=…/day=…)…');
    const history = await openTelemetryHistory({ options, unitsPerDevice: hardware.unitsPerDevice }, stops);
    progress(`  telemetry history in ${history.store.root}`);

    progress('starting the observer (dashboard data)…');
    const observer = await startObserver(
      { sites, unitsPerDevice: hardware.unitsPerDevice, clock, mqtt, history: history.recorder },
      stops,
    );
    events.observeWith(observer);

    // The clearing's venues, filled in once the router and the partner runner are up (start/bids.ts).
    const bidVenues: { -readonly [K in keyof BidVenues]: BidVenues[K] } = {};
    progress('synthesizing the control flows and starting the local control plane…');
    const { control, inject } = await startControlPlane(
      {
        options,
        sites,
        registered,
        clock,
        feed,
        dynamoEndpoint: dynamo.endpoint,
        mqtt,
        record,
        progress,
        signer: signing.signer,
        bidVenues,
      },
      stops,
    );

    progress('starting the API and the dashboard…');
    const { localApi, api, publicUrl, tls } = await startApi(
      { options, dynamo, control, observer, feed, inject, clock, ca: mqtt.identities.ca, shadows: mqtt.shadows },
      stops,
    );
    startApiProber({ apiUrl: api.url, clock, recorder: history.recorder }, stops);

    progress('registering the sites through the operator API…');
    await registerSitesThroughApi(api.url, localApi.demo.operatorApiKey, records, progress);
    // From here the registry is the fleet: the router, the observer (and dispatch) read what the API writes.
    await followRegistry(observer, registered, stops, (error) => progress(`observer: registry ${String(error)}`));
    // A site the operator registers from here on gets its virtual hardware and gateway, as an installed site would.
    followRegisteredSites(siteOptions, hardware, registered, REGISTRY_FOLLOW_REAL_MS, stops);

    progress('starting the virtual partner cloud (overflow when no site can meet a deadline)…');
    const partner = await startPartnerCapacity(
      { apiUrl: api.url, demo: localApi.demo, speed: clock.speed, seed: options.seed },
      stops,
    );
    progress(`  partner ${VIRTUAL_PARTNER_ID} at ${partner.partner.url} (OpenAI-compatible)`);

    progress('starting the GPU workers and workload routing…');
    const gpuWork = await startGpuSide(
      { sites, registered, hardware, clock, dynamo, mqtt, progress, partners: { credentials: partner.credentials } },
      stops,
    );

    progress('starting the latest-state rules (operator API site views)…');
    await startLatestStateRules({ dynamo, mqtt, progress, clock }, stops);

    progress('starting the grid-event recorder (M&V evidence)…');
    await startGridEvents({ options, sites, unitsPerDevice: hardware.unitsPerDevice, dynamo, mqtt, progress }, stops);
    observer.setWorkloadFigures(() => gpuWork.figures());
    Object.assign(bidVenues, bidVenuesOf({ gpuWork, dynamo, clock }));

    const customers = startCustomers({ options, clock, apiUrl: api.url, localApi, models: gpuWork.models }, stops);
    const bidders = startBidMarket(
      { options, clock, apiUrl: api.url, localApi, dynamo, observer, models: gpuWork.models },
      stops,
    );

    return {
      endpoints: {
        dynamodb: dynamo.endpoint,
        mqtt: mqtt.broker.url,
        mosquittoSub: mqtt.operator.mosquittoSub,
        api: publicUrl,
        dashboard: `${publicUrl}/`,
        devices: hardware.devices,
      },
      ...(tls ? { tls: { caFile: tls.caFile, caFingerprint: tls.caFingerprint, names: tls.names } } : {}),
      clock,
      market: feed.description,
      api: localApi.available,
      demo: localApi.demo,
      observer,
      mqttIdentities: { operator: mqtt.operator, controlPlane: mqtt.controlPlane, gatewayTls: mqtt.gatewayTls },
      ...(customers ? { customers } : {}),
      ...(bidders ? { bidders } : {}),
      gpuWork,
      history,
      dispatchOnce: control.dispatchOnce,
      inject,
      stop: () => stops.stopAll(),
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}
