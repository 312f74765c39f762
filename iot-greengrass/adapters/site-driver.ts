import { LuxosDriver } from './asic/luxos-driver.js';
import { type DeviceDriver, driverByKind } from './device-port.js';
import { execTransport, NvidiaSmiDriver, type NvidiaSmiTransport } from './gpu/nvidia-smi.js';

export interface SiteDriverOptions {
  /** How nvidia-smi is reached: a transport, or the command line to run. @default the real binary */
  readonly gpu?: NvidiaSmiTransport | { readonly nvidiaSmiCommand?: readonly string[] };
  /** Per-request budget for the miners. @default 2000 */
  readonly minerTimeoutMs?: number;
}

/**
 * The site's default hardware: LuxOS miners over the cgminer API, GPU nodes through nvidia-smi. Each caller gets its
 * own instance, so LuxOS sessions are not shared between the switching and the polling paths.
 */
export function siteDriver(options: SiteDriverOptions = {}): DeviceDriver {
  const gpu = options.gpu;
  const transport =
    gpu && 'query' in gpu ? gpu : execTransport(gpu?.nvidiaSmiCommand ? { command: gpu.nvidiaSmiCommand } : {});
  return driverByKind({
    asic: new LuxosDriver({ timeoutMs: options.minerTimeoutMs ?? 2000 }),
    gpu: new NvidiaSmiDriver(transport),
  });
}
