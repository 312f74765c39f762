/** One reading of a node's GPU power (all its GPUs), e.g. the sum of DCGM_FI_DEV_POWER_USAGE. */
export interface PowerSample {
  readonly atMs: number;
  readonly powerW: number;
}

/** One job's time on the node: from when the server took it to when it completed or was stopped. */
export interface JobRun {
  readonly jobId: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface AttributedUsage {
  readonly gpuSeconds: number;
  readonly energyKwh: number;
}

export interface NodeAttribution {
  readonly byJob: ReadonlyMap<string, AttributedUsage>;
  /** Energy and GPU time with no job running: the node's idle cost, which no customer pays. */
  readonly idle: AttributedUsage;
}

const J_PER_KWH = 3_600_000;

/** Power in force at `atMs`: the latest sample at or before it (a sample holds until the next), else the first. */
function powerAt(samples: readonly PowerSample[], atMs: number): number {
  let lo = 0;
  let hi = samples.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid]!.atMs <= atMs) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return samples[found]?.powerW ?? 0;
}

/**
 * Splits a node's energy (from its power telemetry) and GPU time over the jobs that ran on it: between any two
 * consecutive events (a sample, a job starting or ending) every running job gets an equal share, as sequences of one
 * decoding batch advance at one rate. Time in `[fromMs, toMs)` with no job running is idle. Sums are conserved: the
 * jobs' shares plus idle equal the node's integral over the window.
 */
export function attributeNodeUsage(input: {
  readonly samples: readonly PowerSample[];
  readonly runs: readonly JobRun[];
  readonly gpuCount: number;
  readonly fromMs: number;
  readonly toMs: number;
}): NodeAttribution {
  const samples = [...input.samples].sort((a, b) => a.atMs - b.atMs);
  const clamp = (t: number) => Math.min(input.toMs, Math.max(input.fromMs, t));
  const runs = input.runs
    .map((r) => ({ ...r, startMs: clamp(r.startMs), endMs: clamp(r.endMs) }))
    .filter((r) => r.endMs > r.startMs);
  const edges = new Set<number>([input.fromMs, input.toMs]);
  for (const s of samples) if (s.atMs > input.fromMs && s.atMs < input.toMs) edges.add(s.atMs);
  for (const r of runs) edges.add(r.startMs).add(r.endMs);
  const times = [...edges].sort((a, b) => a - b);
  const joules = new Map<string, number>();
  const gpuMs = new Map<string, number>();
  let idleJ = 0;
  let idleGpuMs = 0;
  for (let i = 0; i + 1 < times.length; i++) {
    const a = times[i]!;
    const b = times[i + 1]!;
    const energyJ = (powerAt(samples, a) * (b - a)) / 1000;
    const gpuTimeMs = input.gpuCount * (b - a);
    const active = runs.filter((r) => r.startMs <= a && r.endMs >= b);
    if (active.length === 0) {
      idleJ += energyJ;
      idleGpuMs += gpuTimeMs;
      continue;
    }
    for (const r of active) {
      joules.set(r.jobId, (joules.get(r.jobId) ?? 0) + energyJ / active.length);
      gpuMs.set(r.jobId, (gpuMs.get(r.jobId) ?? 0) + gpuTimeMs / active.length);
    }
  }
  const byJob = new Map<string, AttributedUsage>();
  for (const r of runs) {
    byJob.set(r.jobId, {
      gpuSeconds: (gpuMs.get(r.jobId) ?? 0) / 1000,
      energyKwh: (joules.get(r.jobId) ?? 0) / J_PER_KWH,
    });
  }
  return { byJob, idle: { gpuSeconds: idleGpuMs / 1000, energyKwh: idleJ / J_PER_KWH } };
}
