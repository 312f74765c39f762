import type { GpuHealthSample } from '../../../core/gpu/health.js';
import { type DcgmGpuSample, readDcgmExporter } from '../gpu/dcgm-exporter.js';
import type { NodeHealthPort } from './port.js';

/**
 * One GPU's health sample from dcgm-exporter's fields. The exporter's XID gauge holds the last XID until the next one
 * (or a GPU reset), so a fatal XID keeps the node unhealthy until the GPU is reset: what NVIDIA prescribes for them.
 */
export function healthOfDcgmSample(sample: DcgmGpuSample): GpuHealthSample | undefined {
  if (sample.temperatureC === undefined) return undefined;
  return {
    index: sample.gpu,
    temperatureC: sample.temperatureC,
    ...(sample.eccSingleBitErrors !== undefined ? { eccSingleBitErrors: sample.eccSingleBitErrors } : {}),
    ...(sample.eccDoubleBitErrors !== undefined ? { eccDoubleBitErrors: sample.eccDoubleBitErrors } : {}),
    ...(sample.lastXid ? { xidErrors: [sample.lastXid] } : {}),
  };
}

/** A node's GPU health from its dcgm-exporter `/metrics` (the virtual GPU nodes serve the same text). */
export function dcgmNodeHealth(timeoutMs = 2000): NodeHealthPort {
  return {
    async readHealth(metricsUrl) {
      try {
        const samples = (await readDcgmExporter(metricsUrl, timeoutMs)).flatMap((s) => healthOfDcgmSample(s) ?? []);
        return samples.length > 0 ? samples : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
