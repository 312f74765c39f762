import type { AsicDriverKind, GatewayConfig, GpuDriverKind } from '../../core/fleet/site-config.js';
import { BraiinsDriver } from './asic/braiins-driver.js';
import { CgminerMonitorDriver } from './asic/cgminer-monitor-driver.js';
import { LuxosDriver } from './asic/luxos-driver.js';
import { type DeviceDriver, type DeviceResult, driverByKind, type GatewayDevice } from './device-port.js';
import { readDcgmExporter } from './gpu/dcgm-exporter.js';
import { execTransport, NvidiaSmiDriver, type NvidiaSmiTransport } from './gpu/nvidia-smi.js';

export interface SiteDriverOptions {
  /** How nvidia-smi is reached: a transport, or the command line to run. @default the real binary */
  readonly gpu?: NvidiaSmiTransport | { readonly nvidiaSmiCommand?: readonly string[] };
  /** Per-request budget for the miners. @default 2000 */
  readonly minerTimeoutMs?: number;
  /** Braiins OS+ credentials (the deployment's, never the site configuration's). @default root, no password */
  readonly braiins?: { readonly username: string; readonly password: string };
  /** Where a `dcgm` pool's node serves dcgm-exporter's metrics. @default `http://{address}:{port}/metrics` */
  readonly dcgmUrl?: (device: GatewayDevice) => string;
}

function nvidiaSmiTransport(options: SiteDriverOptions): NvidiaSmiTransport {
  const gpu = options.gpu;
  return gpu && 'query' in gpu ? gpu : execTransport(gpu?.nvidiaSmiCommand ? { command: gpu.nvidiaSmiCommand } : {});
}

/**
 * The site's default hardware: LuxOS miners over the cgminer API, GPU nodes through nvidia-smi. Each caller gets its
 * own instance, so LuxOS sessions are not shared between the switching and the polling paths.
 */
export function siteDriver(options: SiteDriverOptions = {}): DeviceDriver {
  return driverByKind({
    asic: new LuxosDriver({ timeoutMs: options.minerTimeoutMs ?? 2000 }),
    gpu: new NvidiaSmiDriver(nvidiaSmiTransport(options)),
  });
}

/**
 * The drivers a site configuration names, per group: `luxos` (curtail/profileset), `braiins` (Braiins OS+ API),
 * `cgminer` (stock firmware, monitoring only: power estimated at the model's stock J/TH) for ASICs; `nvidia-smi` or
 * `dcgm` for GPU pools. Power limits are set with nvidia-smi either way (dcgm-exporter only reads); a `dcgm` pool
 * reads its nodes from dcgm-exporter. A device whose group the configuration does not name gets a typed failure.
 */
export function configuredSiteDriver(config: GatewayConfig, options: SiteDriverOptions = {}): DeviceDriver {
  const timeoutMs = options.minerTimeoutMs ?? 2000;
  const joulesPerThByGroup = Object.fromEntries(
    config.site.asicGroups.map((g) => [g.id, g.nominalPowerW / g.nominalHashrateThs]),
  );
  const nvidiaSmi = new NvidiaSmiDriver(nvidiaSmiTransport(options));
  const asicDrivers: Record<AsicDriverKind, DeviceDriver> = {
    luxos: new LuxosDriver({ timeoutMs }),
    braiins: new BraiinsDriver({ ...(options.braiins ?? { username: 'root', password: '' }), timeoutMs }),
    cgminer: new CgminerMonitorDriver({ joulesPerThByGroup, timeoutMs }),
  };
  const gpuDrivers: Record<GpuDriverKind, DeviceDriver> = {
    'nvidia-smi': nvidiaSmi,
    dcgm: dcgmDriver(nvidiaSmi, options.dcgmUrl ?? ((d) => `http://${d.address}:${d.port}/metrics`)),
  };
  const byGroup = new Map<string, DeviceDriver>([
    ...config.asicGroups.map((g) => [g.id, asicDrivers[g.driver]] as const),
    ...config.gpuPools.map((p) => [p.id, gpuDrivers[p.driver]] as const),
  ]);
  const unknown = (device: GatewayDevice) => ({
    ok: false as const,
    failure: { kind: 'unconfigured', detail: `${device.id}: group ${device.groupId} is not in the site configuration` },
  });
  const route = <T>(device: GatewayDevice, call: (driver: DeviceDriver) => Promise<DeviceResult<T>>) => {
    const driver = byGroup.get(device.groupId);
    return driver ? call(driver) : Promise.resolve(unknown(device));
  };
  return {
    setPowered: (device, on) => route(device, (d) => d.setPowered(device, on)),
    readPowered: (device) => route(device, (d) => d.readPowered(device)),
    read: (device) => route(device, (d) => d.read(device)),
    setPowerTarget: (device, watts) =>
      route(device, (d) =>
        d.setPowerTarget
          ? d.setPowerTarget(device, watts)
          : Promise.resolve({ ok: false, failure: { kind: 'unsupported', detail: `${device.id}: power target` } }),
      ),
  };
}

/** Reads a node from dcgm-exporter (summed power, mean utilization); switches it through nvidia-smi's power limit. */
function dcgmDriver(nvidiaSmi: NvidiaSmiDriver, url: (device: GatewayDevice) => string): DeviceDriver {
  return {
    setPowered: (device, on) => nvidiaSmi.setPowered(device, on),
    readPowered: (device) => nvidiaSmi.readPowered(device),
    async read(device) {
      const powered = await nvidiaSmi.readPowered(device);
      if (!powered.ok) return powered;
      try {
        const samples = await readDcgmExporter(url(device));
        if (samples.length === 0) return { ok: false, failure: { kind: 'garbage-reply', detail: 'no GPU samples' } };
        const sum = (f: (s: (typeof samples)[number]) => number | undefined) =>
          samples.reduce((total, s) => total + (f(s) ?? 0), 0);
        const utilizationPct = sum((s) => s.utilizationPct) / samples.length;
        return {
          ok: true,
          value: {
            powered: powered.value,
            state: utilizationPct > 0 ? 'serving' : 'idle',
            powerW: sum((s) => s.powerW),
            utilizationPct,
            temperatureC: Math.max(...samples.map((s) => s.temperatureC ?? 0)),
            memoryUsedMb: sum((s) => s.memoryUsedMib) * 1.048576,
            gpuCount: samples.length,
          },
        };
      } catch (error) {
        return { ok: false, failure: { kind: 'http-status', detail: String(error) } };
      }
    },
  };
}
