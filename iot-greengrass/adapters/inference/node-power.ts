import { readDcgmExporter } from '../gpu/dcgm-exporter.js';
import type { NodePowerPort } from './port.js';

/** A node's GPU power from its dcgm-exporter `/metrics` (the virtual GPU nodes serve the same text). */
export function dcgmNodePower(timeoutMs = 2000): NodePowerPort {
  return {
    async readPowerW(metricsUrl) {
      try {
        const samples = await readDcgmExporter(metricsUrl, timeoutMs);
        if (samples.length === 0) return undefined;
        return samples.reduce((sum, s) => sum + (s.powerW ?? 0), 0);
      } catch {
        return undefined;
      }
    },
  };
}
