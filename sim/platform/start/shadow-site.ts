import type { AsicAddresses, GatewayConfig, SiteConfig } from '../../../core/fleet/site-config.js';
import { gatewayConfigFor } from '../../../core/fleet/site-config.js';
import type { Clock } from '../../../core/support/clock.js';
import {
  type RunningShadowGateway,
  type StartShadowGatewayOptions,
  startShadowGateway,
} from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../devices/fleet.js';
import type { LocalMqtt } from '../local-mqtt.js';

/**
 * A simulated site for a registry record, in two steps, as a real site comes up: its virtual hardware (each ASIC
 * group on the firmware its `driver` names), whose addresses go into the record; then its gateway, onboarded on the
 * local broker, knowing only its site id and reading everything else from its named shadow.
 */
export interface SimulatedSiteHardware {
  readonly fleet: VirtualFleet;
  /** The record with each group's addresses and each pool's node endpoints replaced by the virtual devices'. */
  readonly record: SiteConfig;
  /** Each group's addresses: a list of `127.0.0.1:<port>`. */
  readonly addresses: Readonly<Record<string, AsicAddresses>>;
  readonly nodeEndpoints: Readonly<Record<string, readonly string[]>>;
}

export async function startSimulatedSiteHardware(options: {
  readonly record: SiteConfig;
  readonly clock: Clock;
  readonly seed: number;
  /** Virtual miners for the whole site, split across groups by unit count. */
  readonly asics: number;
  readonly gpuNodes: number;
}): Promise<SimulatedSiteHardware> {
  const { record } = options;
  const site = gatewayConfigFor(record, 1).site;
  const fleet = await startVirtualFleet({
    site,
    asics: options.asics,
    gpuNodes: options.gpuNodes,
    seed: options.seed,
    clock: options.clock,
    firmwareByGroup: Object.fromEntries(record.asicGroups.map((g) => [g.id, g.driver])),
  });
  const endpointsOf = (groupId: string) =>
    fleet.endpoints.filter((e) => e.groupId === groupId).map((e) => `${e.address}:${e.port}`);
  const addresses = Object.fromEntries(
    record.asicGroups.map((g) => [g.id, { kind: 'list' as const, endpoints: endpointsOf(g.id) }]),
  );
  const nodeEndpoints = Object.fromEntries(record.gpuPools.map((p) => [p.id, endpointsOf(p.id)]));
  return {
    fleet,
    addresses,
    nodeEndpoints,
    record: {
      ...record,
      asicGroups: record.asicGroups.map((g) => ({ ...g, addresses: addresses[g.id]! })),
      gpuPools: record.gpuPools.map((p) => ({ ...p, nodeEndpoints: nodeEndpoints[p.id]! })),
    },
  };
}

/** The gateway configuration of a simulated site, as the registry would publish it (for tests without the API). */
export function simulatedGatewayConfig(hardware: SimulatedSiteHardware, registryVersion: number): GatewayConfig {
  return gatewayConfigFor(hardware.record, registryVersion);
}

/**
 * Onboards `siteId`'s gateway on the local broker (its own key and certificate, its site's topic rules) and starts
 * it on its shadow: it runs nothing until a configuration arrives (or is in its cache under `stateDir`).
 */
export async function startSimulatedSiteGateway(
  mqtt: LocalMqtt,
  options: Omit<StartShadowGatewayOptions, 'brokerUrl' | 'tls' | 'messaging'>,
): Promise<RunningShadowGateway> {
  const tls = mqtt.gatewayTls(options.siteId) ?? (await mqtt.onboardGateway(options.siteId));
  return startShadowGateway({ ...options, brokerUrl: mqtt.broker.url, tls });
}
