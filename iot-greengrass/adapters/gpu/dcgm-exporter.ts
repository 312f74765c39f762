/**
 * Reads NVIDIA dcgm-exporter's Prometheus text (`GET :9400/metrics`): one sample per GPU and field, labelled `gpu`.
 * Used where nvidia-smi is not allowed inside the gateway's container.
 */

export interface DcgmGpuSample {
  readonly gpu: number;
  readonly powerW?: number;
  readonly utilizationPct?: number;
  readonly memoryUsedMib?: number;
  readonly temperatureC?: number;
  /** Volatile single-bit (corrected) and double-bit (uncorrectable) ECC error counts. */
  readonly eccSingleBitErrors?: number;
  readonly eccDoubleBitErrors?: number;
  /** The last XID the driver logged (dcgm-exporter's gauge holds it until the next one); 0 when none. */
  readonly lastXid?: number;
}

const FIELDS: Record<string, keyof Omit<DcgmGpuSample, 'gpu'>> = {
  DCGM_FI_DEV_POWER_USAGE: 'powerW',
  DCGM_FI_DEV_GPU_UTIL: 'utilizationPct',
  DCGM_FI_DEV_FB_USED: 'memoryUsedMib',
  DCGM_FI_DEV_GPU_TEMP: 'temperatureC',
  DCGM_FI_DEV_ECC_SBE_VOL_TOTAL: 'eccSingleBitErrors',
  DCGM_FI_DEV_ECC_DBE_VOL_TOTAL: 'eccDoubleBitErrors',
  DCGM_FI_DEV_XID_ERRORS: 'lastXid',
};

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}\s+(\S+)/;

/** Samples by GPU index; lines it does not know (comments, other fields) are skipped. */
export function parseDcgmMetrics(text: string): DcgmGpuSample[] {
  const byGpu = new Map<number, Record<string, number>>();
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const field = FIELDS[match[1]!];
    const gpu = /(?:^|,)\s*gpu="(\d+)"/.exec(match[2]!);
    const value = Number(match[3]);
    if (!field || !gpu || !Number.isFinite(value)) continue;
    const index = Number(gpu[1]);
    const entry = byGpu.get(index) ?? { gpu: index };
    entry[field] = value;
    byGpu.set(index, entry);
  }
  return [...byGpu.values()].sort((a, b) => (a.gpu ?? 0) - (b.gpu ?? 0)) as unknown as DcgmGpuSample[];
}

export async function readDcgmExporter(url: string, timeoutMs = 2000): Promise<DcgmGpuSample[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`dcgm-exporter ${url}: HTTP ${response.status}`);
  return parseDcgmMetrics(await response.text());
}
