import { readDcgmExporter } from '../gpu/dcgm-exporter.js';
import type { NodePowerPort } from './port.js';

/** A node's GPU power from its dcgm-exporter `/metrics` (the virtual GPU nodes serve the same text). */
export function dcgmNodePower(timeoutMs = 2000): NodePowerPort {
  return {
    async readPower(metricsUrl) {
      try {
        const reporting = (await readDcgmExporter(metricsUrl, timeoutMs)).filter((s) => s.powerW !== undefined);
        if (reporting.length === 0) return undefined;
        return { powerW: reporting.reduce((sum, s) => sum + (s.powerW ?? 0), 0), gpus: reporting.length };
      } catch {
        return undefined;
      }
    },
  };
}
