import path from 'node:path';
import { gatewayConfigFor, type SiteConfig, siteModelOf } from '../../../core/fleet/site-config.js';
import type { Site } from '../../../core/model/site.js';
import type { VirtualFleet } from '../../devices/fleet.js';
import { startSiteMeter } from '../../devices/meter/virtual-meter.js';
import { ShadowSiteConfigPublisher } from '../../local/shadow-site-config-publisher.js';
import type { PlatformEventSink } from '../events.js';
import type { LocalMqtt } from '../local-mqtt.js';
import { DISPATCH_EVERY_SIM_MS, type PlatformOptions } from '../options.js';
import type { SimClock } from '../sim-clock.js';
import { startSimulatedSiteGateway, startSimulatedSiteHardware } from './shadow-site.js';
import { Stops } from './stops.js';

/** Virtual GPU nodes carry an HGX board each (sim/devices default). */
export const GPUS_PER_NODE = 8;
/** Real time between telemetry polls: a chart point every 2 s whatever the speed. */
export const TELEMETRY_POLL_REAL_MS = 2_000;

export interface SiteDevices {
  readonly siteId: string;
  readonly asics: number;
  readonly gpuNodes: number;
  /** `address:port` of the first virtual miner, for trying its TCP API by hand. */
  readonly firstAsic: string;
}

export interface RunningSites {
  /** How many of the site model's units each virtual device stands for, by group id (GPU pools: nodes). */
  readonly unitsPerDevice: ReadonlyMap<string, number>;
  readonly devices: readonly SiteDevices[];
  readonly gpuNodes: ReadonlyArray<{ siteId: string; endpoints: VirtualFleet['endpoints'] }>;
}

/**
 * Each virtual device stands for this many of the site model's units, by group id: a group's units over its
 * virtual miners; a pool's GPUs over its virtual nodes' GPUs (so, nodes per virtual node).
 */
export function unitsPerDevice(site: Site, endpoints: VirtualFleet['endpoints']): Array<[string, number]> {
  const devices = (groupId: string) => endpoints.filter((e) => e.groupId === groupId).length;
  return [
    ...site.asicGroups.map((g): [string, number] => [g.id, g.unitCount / Math.max(1, devices(g.id))]),
    ...site.gpuPools.map((p): [string, number] => [p.id, p.count / Math.max(1, devices(p.id) * GPUS_PER_NODE)]),
  ];
}

export interface SitesOptions {
  readonly options: PlatformOptions;
  /** The sites' registry records: each group's driver picks its virtual firmware and the gateway's driver. */
  readonly records: readonly SiteConfig[];
  readonly clock: SimClock;
  /** The broker and the CA each gateway is onboarded with. */
  readonly mqtt: LocalMqtt;
  /** Where each gateway keeps its state (`<stateRoot>/gateways/<siteId>`). */
  readonly stateRoot: string;
  readonly record: PlatformEventSink;
  readonly progress: (line: string) => void;
  /** The control plane's command-signing public key: every gateway refuses commands it does not verify. */
  readonly commandKey: { readonly kid: string; readonly publicKeyPem: string };
}

/**
 * Step 4, per reference site: its virtual ASIC miners and GPU nodes, and its gateway (SwitchAgent, Telemetry) on
 * them. A gateway's own reactions (price, grid, its timers) are reported as local switches; the commands it runs
 * are the SwitchFlow's to report.
 */
export async function startSites(o: SitesOptions, stops: Stops): Promise<RunningSites> {
  const running: MutableSites = { unitsPerDevice: new Map(), devices: [], gpuNodes: [] };
  for (const record of o.records) await startSite(o, record, running, stops);
  return running;
}

interface MutableSites {
  readonly unitsPerDevice: Map<string, number>;
  readonly devices: SiteDevices[];
  readonly gpuNodes: Array<{ siteId: string; endpoints: VirtualFleet['endpoints'] }>;
}

/** One site's virtual hardware, meter and gateway, added to `running`. */
async function startSite(o: SitesOptions, record: SiteConfig, running: MutableSites, stops: Stops): Promise<void> {
  const { options, clock } = o;
  const publisher = new ShadowSiteConfigPublisher(o.mqtt.shadows);
  o.progress(`starting virtual hardware of ${record.id}…`);
  const hardware = await startSimulatedSiteHardware({
    record,
    clock,
    seed: options.seed,
    asics: options.asicsPerSite,
    gpuNodes: options.gpuNodesPerSite,
  });
  const { fleet } = hardware;
  stops.push(fleet.stop);
  const site = siteModelOf(hardware.record);
  const siteScale = new Map(unitsPerDevice(site, fleet.endpoints));
  for (const [groupId, units] of siteScale) running.unitsPerDevice.set(groupId, units);
  // The site's revenue meter (SunSpec over Modbus TCP) on the same virtual hardware, scaled to the site model.
  const meter = await startSiteMeter(site, fleet, clock, { unitsPerDevice: siteScale, seed: options.seed });
  stops.push(meter.close);
  // The gateway learns its site from its named shadow, as in AWS: devices and meter at the virtual hardware's
  // addresses. The virtual devices get new ports at each start, so the version is the start time (seconds): a
  // gateway restarted on `--data` takes it over the configuration its cache holds from the previous run.
  const config = gatewayConfigFor(
    { ...hardware.record, meter: { address: `${meter.host}:${meter.port}`, unitId: 1 } },
    Math.floor(Date.now() / 1000),
  );
  await publisher.publish(record.id, config);
  running.gpuNodes.push({ siteId: site.id, endpoints: fleet.endpoints.filter((e) => e.kind === 'gpu') });
  o.progress(`onboarding and starting the gateway of ${site.id} (SwitchAgent, Telemetry) on its shadow…`);
  const gateway = await startSimulatedSiteGateway(o.mqtt, {
    siteId: site.id,
    stateDir: path.join(o.stateRoot, 'gateways', site.id),
    clock,
    config: {
      // The cloud relays the market at every dispatch (5 simulated minutes): three missed in a row is an outage.
      switchAgent: {
        heartbeatTimeoutMs: 3 * DISPATCH_EVERY_SIM_MS,
        commandKeys: [o.commandKey],
        // The site power controller on the site configuration's meter: the dashboard shows its reading against
        // the limit. Its reads share one busy process with the whole platform here: a LAN meter's 500 ms would
        // time out.
        sitePower: { meterTimeoutMs: 2_000 },
      },
      // As on Greengrass: a batch leaves the spool when the latest-state stand-in's high-water mark covers it.
      telemetry: { pollPeriodMs: TELEMETRY_POLL_REAL_MS, awaitCloudAck: true },
    },
    onSwitch: (cause, accepted, sent) => {
      if (cause.startsWith('command:')) return; // the SwitchFlow reports those
      o.record({
        type: 'switch',
        atMs: clock.nowMs(),
        siteId: site.id,
        source: 'local',
        cause,
        outcome: accepted === sent ? 'executed' : 'failed',
        ...(accepted === sent ? {} : { detail: `${sent - accepted} of ${sent} devices did not accept` }),
      });
    },
  });
  stops.push(gateway.stop);
  await gateway.siteConfig.configured();
  const firstAsic = fleet.endpoints.find((e) => e.kind === 'asic');
  running.devices.push({
    siteId: site.id,
    asics: options.asicsPerSite,
    gpuNodes: options.gpuNodesPerSite,
    firstAsic: firstAsic ? `${firstAsic.address}:${firstAsic.port}` : '-',
  });
}

/**
 * Sites the operator registers through the API while the platform runs get their virtual hardware, meter and
 * gateway too, as a real site's would be installed: each site of the registry not running yet is started once, one
 * at a time, when the registry is next read (`REGISTRY_FOLLOW_REAL_MS`). A start that fails is reported and tried
 * again at the next read; a retired site keeps its hardware until the platform stops (its gateway idles).
 */
export function followRegisteredSites(
  o: SitesOptions,
  running: RunningSites,
  registered: () => Promise<{ readonly records: ReadonlyArray<{ readonly config: SiteConfig }> }>,
  everyMs: number,
  stops: Stops,
): void {
  const mutable = running as MutableSites;
  const started = new Set(running.devices.map((d) => d.siteId));
  // The parts of sites started from here stop with the follower, after any start in flight has finished.
  const siteStops = new Stops();
  let stopping = false;
  let inFlight: Promise<void> | undefined;
  const startNew = async () => {
    const { records } = await registered();
    for (const { config } of records) {
      if (stopping || started.has(config.id)) continue;
      started.add(config.id);
      await startSite(o, config, mutable, siteStops).catch((error: Error) => {
        started.delete(config.id);
        o.progress(`site ${config.id}: its virtual hardware did not start (${error.message}); trying again`);
      });
    }
  };
  const timer = setInterval(() => {
    inFlight ??= startNew()
      .catch((error: Error) => o.progress(`registered sites: ${error.message}`))
      .finally(() => {
        inFlight = undefined;
      });
  }, everyMs);
  stops.push(async () => {
    stopping = true;
    clearInterval(timer);
    await inFlight;
    await siteStops.stopAll();
  });
}
