import type { GpuReading } from './gpu-node.js';

/**
 * The `--query-gpu` fields we answer, with the unit nvidia-smi appends (and puts in the header) unless `nounits` is
 * given, and how each value is printed: power with two decimals, memory in MiB, utilization in %, temperature bare.
 */
const FIELDS: Record<string, { unit: string; value: (r: GpuReading) => string }> = {
  index: { unit: '', value: (r) => String(r.index) },
  uuid: { unit: '', value: (r) => r.uuid },
  name: { unit: '', value: (r) => r.name },
  serial: { unit: '', value: (r) => r.serial },
  'pci.bus_id': { unit: '', value: (r) => r.pciBusId },
  driver_version: { unit: '', value: (r) => r.driverVersion },
  'power.draw': { unit: 'W', value: (r) => r.powerDrawW.toFixed(2) },
  'power.limit': { unit: 'W', value: (r) => r.powerLimitW.toFixed(2) },
  'enforced.power.limit': { unit: 'W', value: (r) => r.powerLimitW.toFixed(2) },
  'power.default_limit': { unit: 'W', value: (r) => r.defaultPowerLimitW.toFixed(2) },
  'power.min_limit': { unit: 'W', value: (r) => r.minPowerLimitW.toFixed(2) },
  'power.max_limit': { unit: 'W', value: (r) => r.maxPowerLimitW.toFixed(2) },
  'utilization.gpu': { unit: '%', value: (r) => String(r.utilizationPct) },
  'memory.used': { unit: 'MiB', value: (r) => String(r.memoryUsedMib) },
  'memory.total': { unit: 'MiB', value: (r) => String(r.memoryTotalMib) },
  'memory.free': { unit: 'MiB', value: (r) => String(r.memoryTotalMib - r.memoryUsedMib) },
  'temperature.gpu': { unit: '', value: (r) => String(r.temperatureC) },
};

export const DEFAULT_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'power.draw',
  'power.limit',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
] as const;

export type SmiOutput = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

/**
 * `nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits]`: one line per GPU, values joined by ", ".
 * An unknown field gives nvidia-smi's own complaint (it exits with status 2).
 */
export function queryGpuCsv(readings: readonly GpuReading[], fieldList: string, format: string): SmiOutput {
  const fields = fieldList
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const unknown = fields.find((f) => !(f in FIELDS));
  if (unknown !== undefined || fields.length === 0) {
    return { ok: false, text: `Field "${unknown ?? ''}" is not a valid field to query.\n` };
  }
  const options = new Set(format.split(',').map((f) => f.trim()));
  if (!options.has('csv'))
    return { ok: false, text: 'Only CSV output is supported with --query-gpu: use --format=csv\n' };
  const withUnits = !options.has('nounits');
  const lines: string[] = [];
  if (!options.has('noheader')) {
    lines.push(fields.map((f) => (withUnits && FIELDS[f]!.unit ? `${f} [${FIELDS[f]!.unit}]` : f)).join(', '));
  }
  for (const reading of readings) {
    lines.push(
      fields
        .map((f) => {
          const spec = FIELDS[f]!;
          const value = spec.value(reading);
          return withUnits && spec.unit ? `${value} ${spec.unit}` : value;
        })
        .join(', '),
    );
  }
  return { ok: true, text: `${lines.join('\n')}\n` };
}

/** The parse an adapter does on `csv,noheader,nounits` output: one record per line, keyed by the queried fields. */
export function parseGpuCsv(text: string, fields: readonly string[]): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const values = line.split(', ');
      return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? '']));
    });
}

/** `nvidia-smi -pl` success text, per GPU. */
export function powerLimitSetText(
  changes: ReadonlyArray<{ previousW: number; newW: number; pciBusId: string }>,
): string {
  const lines = changes.map(
    (c) => `Power limit for GPU ${c.pciBusId} was set to ${c.newW.toFixed(2)} W from ${c.previousW.toFixed(2)} W.`,
  );
  return `${lines.join('\n')}\nAll done.\n`;
}
