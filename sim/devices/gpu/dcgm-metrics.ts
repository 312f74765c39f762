import type { GpuReading } from './gpu-node.js';

/**
 * Prometheus text exposition in dcgm-exporter's shape: DCGM field names, HELP texts from its
 * `default-counters.csv`, and the labels it attaches (`gpu`, `UUID`, `pci_bus_id`, `device`, `modelName`, `Hostname`).
 */
const METRICS: ReadonlyArray<{
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (r: GpuReading) => number;
}> = [
  { name: 'DCGM_FI_DEV_GPU_TEMP', type: 'gauge', help: 'GPU temperature (in C).', value: (r) => r.temperatureC },
  { name: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).', value: (r) => round3(r.powerDrawW) },
  {
    name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    type: 'counter',
    help: 'Total energy consumption since boot (in mJ).',
    value: (r) => r.energyMj,
  },
  { name: 'DCGM_FI_DEV_GPU_UTIL', type: 'gauge', help: 'GPU utilization (in %).', value: (r) => r.utilizationPct },
  {
    name: 'DCGM_FI_DEV_FB_FREE',
    type: 'gauge',
    help: 'Framebuffer memory free (in MiB).',
    value: (r) => r.memoryTotalMib - r.memoryUsedMib,
  },
  {
    name: 'DCGM_FI_DEV_FB_USED',
    type: 'gauge',
    help: 'Framebuffer memory used (in MiB).',
    value: (r) => r.memoryUsedMib,
  },
  {
    name: 'DCGM_FI_DEV_POWER_MGMT_LIMIT',
    type: 'gauge',
    help: 'Power management limit (in W).',
    value: (r) => r.powerLimitW,
  },
  {
    name: 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL',
    type: 'counter',
    help: 'Total number of single-bit volatile ECC errors.',
    value: (r) => r.eccSingleBitErrors,
  },
  {
    name: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL',
    type: 'counter',
    help: 'Total number of double-bit volatile ECC errors.',
    value: (r) => r.eccDoubleBitErrors,
  },
  {
    name: 'DCGM_FI_DEV_XID_ERRORS',
    type: 'gauge',
    help: 'Value of the last XID error encountered.',
    value: (r) => r.lastXid,
  },
];

export function dcgmMetricsText(readings: readonly GpuReading[], hostname: string): string {
  const lines: string[] = [];
  for (const metric of METRICS) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
    for (const r of readings) {
      const labels = [
        `gpu="${r.index}"`,
        `UUID="${r.uuid}"`,
        `pci_bus_id="${r.pciBusId}"`,
        `device="nvidia${r.index}"`,
        `modelName="${r.name}"`,
        `Hostname="${hostname}"`,
      ].join(',');
      lines.push(`${metric.name}{${labels}} ${metric.value(r)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
