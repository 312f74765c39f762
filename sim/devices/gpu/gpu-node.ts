import { PREFILL_COST_PER_INPUT_TOKEN, perGpuModelMemoryGb, tokenWork } from '../../../core/gpu/models.js';
import type { GpuPool } from '../../../core/model/site.js';
import { GPU_WARMUP_BUSY_FRACTION } from '../../../core/optimizer/physics.js';
import { type ReplicaView, warmupPhaseAt } from '../../../core/serving/node-agent.js';
import { preempts } from '../../../core/serving/tiers.js';
import type { Clock } from '../../../core/support/clock.js';
import type { GpuNodeInventoryItem } from '../inventory.js';
import {
  boardSpecFor,
  type GpuBoardSpec,
  openModels,
  perSequenceTokensPerSec,
  throughputFactorAtLimit,
  USABLE_MEMORY_FRACTION,
} from './gpu-specs.js';

export interface GpuJobRequest {
  readonly id: string;
  readonly modelId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** vLLM's per-request `priority` (lower first, core/serving/tiers.ts); 0, vLLM's default, when absent. */
  readonly priority?: number;
}

export type JobStatus = 'queued' | 'running' | 'completed' | 'cancelled';

export interface JobView {
  readonly id: string;
  readonly modelId: string;
  readonly status: JobStatus;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly outputTokensDone: number;
  readonly submittedAtMs: number;
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  readonly cancelledAtMs: number | null;
  readonly priority: number;
  /** Times a more urgent request took this one's place in the batch; it waits again with its tokens kept. */
  readonly preemptions: number;
}

export interface GpuReading {
  readonly index: number;
  readonly uuid: string;
  readonly name: string;
  readonly serial: string;
  readonly pciBusId: string;
  readonly driverVersion: string;
  readonly powerDrawW: number;
  readonly powerLimitW: number;
  readonly defaultPowerLimitW: number;
  readonly minPowerLimitW: number;
  readonly maxPowerLimitW: number;
  readonly utilizationPct: number;
  readonly memoryUsedMib: number;
  readonly memoryTotalMib: number;
  readonly temperatureC: number;
  readonly energyMj: number;
  readonly eccSingleBitErrors: number;
  readonly eccDoubleBitErrors: number;
  /** The last XID the driver logged, 0 for none (dcgm-exporter's DCGM_FI_DEV_XID_ERRORS). */
  readonly lastXid: number;
}

/** A hardware fault injected on one GPU, as a test or an operator's drill would: counters add, an XID replaces. */
export interface GpuFault {
  readonly gpu: number;
  readonly eccSingleBitErrors?: number;
  readonly eccDoubleBitErrors?: number;
  readonly xid?: number;
  /** Added to the GPU's modelled temperature (a failed fan, a hot aisle). */
  readonly extraTemperatureC?: number;
}

export interface DeploymentView {
  readonly modelId: string;
  readonly version: string;
  readonly draining: boolean;
  readonly startedAtMs: number;
  readonly runningRequests: number;
  readonly waitingRequests: number;
  readonly gpuIndexes: readonly number[];
  readonly ready: boolean;
  readonly readyAtMs: number;
  readonly aggregateTokensPerSec: number;
  readonly perSequenceTokensPerSec: number;
}

export type NodeError = { readonly ok: false; readonly code: string; readonly message: string };
export type NodeResult<T> = { readonly ok: true; readonly value: T } | NodeError;

interface Job {
  readonly request: GpuJobRequest;
  readonly submittedAtMs: number;
  /** Arrival order on this node: first come, first served among equal priorities. */
  readonly arrival: number;
  startedAtMs: number | null;
  completedAtMs: number | null;
  /** Set when the job was aborted before it finished (client gone, preempted): its GPUs serve the others. */
  cancelledAtMs: number | null;
  /** Work done, in decode-token equivalents (prefill first, then output tokens). */
  workDone: number;
  preemptions: number;
  /** In the engine's waiting queue (never started, or preempted), not in its batch. */
  waiting: boolean;
}

interface Deployment {
  readonly modelId: string;
  readonly version: string;
  readonly gpuIndexes: readonly number[];
  readonly startedAtMs: number;
  readonly readyAtMs: number;
  /** Takes no new requests; unloads itself once its running and waiting requests are done. */
  draining: boolean;
  readonly running: Job[];
  readonly queue: Job[];
}

interface GpuState {
  readonly index: number;
  powerLimitW: number;
  temperatureC: number;
  energyJ: number;
  deployment: Deployment | null;
  eccSingleBitErrors: number;
  eccDoubleBitErrors: number;
  lastXid: number;
  extraTemperatureC: number;
}

/** vLLM's default `max_num_seqs`: sequences decoded together in one batch; the rest queue. */
export const MAX_BATCH_SEQUENCES = 256;
/** The version a model loaded without one (the GpuWorker's `/v1/models/load`) reports. */
const UNVERSIONED = 'default';

export interface GpuNodeOptions {
  /** vLLM's `--max-num-seqs`. @default 256 */
  readonly maxBatchSequences?: number;
}
/** Board temperature: ~30 °C at rest to ~72 °C at 700 W in a cold-aisle hall, first-order lag of ~30 s. */
const IDLE_TEMPERATURE_C = 30;
const KELVIN_PER_W = 0.06;
const THERMAL_TIME_CONSTANT_SECONDS = 30;
/** A decoding batch keeps the SMs busy even when small: utilization and power start at 30% of the serving span. */
const BUSY_FLOOR = 0.3;
const BYTES_PER_GB = 1e9;
const BYTES_PER_MIB = 2 ** 20;

/**
 * A node of N GPUs of one pool, serving open models the way a vLLM worker would: a model (one version of it, one
 * engine process) is loaded on one GPU or a tensor-parallel group, becomes ready after its warm-up time, and decodes
 * its jobs as one batch of at most `maxBatchSequences`. Each job gets `min(per-sequence rate, aggregate / batch size)`
 * tokens per second, both scaled by the power cap. Waiting jobs are ordered by vLLM's `priority` then arrival, and a
 * waiting job more urgent than a running one preempts it when the batch is full (`--scheduling-policy priority`); the
 * preempted job waits again with its tokens kept. State advances
 * lazily to the injected clock whenever it is read; `tick()` does it explicitly (and settles `whenDone` promises).
 */
export class GpuNode {
  readonly board: GpuBoardSpec;
  private readonly gpus: GpuState[];
  private readonly jobs = new Map<string, Job>();
  private readonly waiters = new Map<string, Array<(job: JobView) => void>>();
  private lastMs: number;
  private readonly maxBatchSequences: number;

  constructor(
    readonly item: GpuNodeInventoryItem,
    readonly pool: GpuPool,
    private readonly clock: Clock,
    options: GpuNodeOptions = {},
  ) {
    this.maxBatchSequences = options.maxBatchSequences ?? MAX_BATCH_SEQUENCES;
    this.board = boardSpecFor(pool.model);
    this.lastMs = clock.nowMs();
    this.gpus = item.gpus.map((gpu) => ({
      index: gpu.index,
      powerLimitW: this.board.tdpW,
      temperatureC: IDLE_TEMPERATURE_C + KELVIN_PER_W * pool.idlePowerW,
      energyJ: 0,
      deployment: null,
      eccSingleBitErrors: 0,
      eccDoubleBitErrors: 0,
      lastXid: 0,
      extraTemperatureC: 0,
    }));
  }

  /**
   * Loads a model on `tensorParallelSize` free GPUs (or exactly `gpus`); refused when its weights do not fit. It is
   * ready after `warmupSeconds` (the model catalog's), the pool's warm-up when absent.
   */
  loadModel(request: {
    model: string;
    version?: string;
    tensorParallelSize?: number;
    gpus?: number[];
    warmupSeconds?: number;
  }): NodeResult<DeploymentView> {
    this.tick();
    const spec = openModels[request.model];
    const version = request.version ?? UNVERSIONED;
    if (!spec || this.pool.throughputTokensPerSecByModel[request.model] === undefined) {
      return fail('model_not_found', `model '${request.model}' is not served by ${this.pool.model} nodes`);
    }
    if (this.deployments().some((d) => d.modelId === request.model && d.version === version)) {
      return fail('model_already_loaded', `model '${request.model}' version '${version}' is loaded`);
    }
    const size = request.gpus?.length ?? request.tensorParallelSize ?? 1;
    if (!Number.isInteger(size) || size < 1 || size > this.gpus.length) {
      return fail('invalid_tensor_parallel_size', `tensor parallel size must be 1..${this.gpus.length}`);
    }
    const perGpuBytes = perGpuModelMemoryGb(spec, size) * BYTES_PER_GB;
    const usableBytes = this.board.memoryTotalMib * BYTES_PER_MIB * USABLE_MEMORY_FRACTION;
    if (perGpuBytes > usableBytes) {
      return fail(
        'model_too_large',
        `model '${request.model}' needs ${(perGpuBytes / BYTES_PER_GB).toFixed(1)} GB per GPU across ${size} GPU(s); ` +
          `${this.board.smiName} offers ${(usableBytes / BYTES_PER_GB).toFixed(1)} GB`,
      );
    }
    const chosen = request.gpus ?? this.gpus.filter((g) => g.deployment === null).map((g) => g.index);
    const indexes = chosen.slice(0, size);
    const unavailable = indexes.filter((i) => this.gpus[i]?.deployment !== null);
    if (indexes.length < size || unavailable.length > 0) {
      return fail('gpus_unavailable', `not enough free GPUs for tensor parallel size ${size}`);
    }
    const deployment: Deployment = {
      modelId: request.model,
      version,
      gpuIndexes: indexes,
      startedAtMs: this.lastMs,
      readyAtMs: this.lastMs + (request.warmupSeconds ?? this.pool.modelWarmupSeconds) * 1000,
      draining: false,
      running: [],
      queue: [],
    };
    for (const i of indexes) this.gpus[i]!.deployment = deployment;
    return { ok: true, value: this.view(deployment) };
  }

  /**
   * Stops a model's engine. Refused while it has jobs unless `abort` (the agent's unload): then its jobs are
   * cancelled, each reporting its progress, as a killed vLLM process drops its requests.
   */
  unloadModel(modelId: string, version?: string, abort = false): NodeResult<{ modelId: string }> {
    this.tick();
    const deployment = this.deployments().find(
      (d) => d.modelId === modelId && (version === undefined || d.version === version),
    );
    if (!deployment) return fail('model_not_loaded', `model '${modelId}' is not loaded`);
    if (deployment.running.length + deployment.queue.length > 0) {
      if (!abort) return fail('model_busy', `model '${modelId}' still has jobs; drain it first`);
      for (const job of [...deployment.running, ...deployment.queue]) this.cancelJob(job.request.id);
    }
    for (const i of deployment.gpuIndexes) this.gpus[i]!.deployment = null;
    return { ok: true, value: { modelId } };
  }

  /** Stops taking requests for one version of a model; it unloads itself once its jobs are done. */
  drainModel(modelId: string, version: string): NodeResult<DeploymentView> {
    this.tick();
    const deployment = this.deployments().find((d) => d.modelId === modelId && d.version === version);
    if (!deployment) return fail('model_not_loaded', `model '${modelId}' version '${version}' is not loaded`);
    deployment.draining = true;
    const view = this.view(deployment);
    this.releaseDrained();
    return { ok: true, value: view };
  }

  models(): DeploymentView[] {
    this.tick();
    return this.deployments().map((d) => this.view(d));
  }

  /** The node agent's view (core/serving/node-agent.ts): each engine's state in loading → warming → ready → draining. */
  replicas(): ReplicaView[] {
    return this.models().map((d) => ({
      modelId: d.modelId,
      version: d.version,
      state: d.draining ? 'draining' : warmupPhaseAt(d.startedAtMs, (d.readyAtMs - d.startedAtMs) / 1000, this.lastMs),
      gpuIndexes: [...d.gpuIndexes],
      startedAtMs: d.startedAtMs,
      readyAtMs: d.readyAtMs,
      runningRequests: d.runningRequests,
      waitingRequests: d.waitingRequests,
    }));
  }

  submitJob(request: GpuJobRequest): NodeResult<JobView> {
    this.tick();
    if (this.jobs.has(request.id)) return fail('duplicate_job', `job '${request.id}' already exists`);
    const deployment = this.servingDeploymentOf(request.modelId);
    if (!deployment) return fail('model_not_loaded', `model '${request.modelId}' is not loaded on this node`);
    const job: Job = {
      request,
      submittedAtMs: this.lastMs,
      arrival: this.jobs.size,
      startedAtMs: null,
      completedAtMs: null,
      cancelledAtMs: null,
      workDone: 0,
      preemptions: 0,
      waiting: true,
    };
    this.jobs.set(request.id, job);
    enqueue(deployment.queue, job);
    this.startQueued(deployment, this.lastMs);
    return { ok: true, value: jobView(job) };
  }

  /**
   * Aborts a queued or running job, as vLLM aborts a request whose client disconnects: its sequence leaves the batch
   * and the work done so far is reported (`outputTokensDone`), which a caller may keep as a checkpoint.
   */
  cancelJob(id: string): NodeResult<JobView> {
    this.tick();
    const job = this.jobs.get(id);
    if (!job) return fail('job_not_found', `job '${id}' does not exist`);
    if (job.completedAtMs !== null || job.cancelledAtMs !== null) return { ok: true, value: jobView(job) };
    const deployment = this.deployments().find((d) => d.running.includes(job) || d.queue.includes(job));
    for (const list of [deployment?.running, deployment?.queue]) {
      const at = list?.indexOf(job) ?? -1;
      if (at >= 0) list!.splice(at, 1);
    }
    job.cancelledAtMs = this.lastMs;
    this.settle(job);
    return { ok: true, value: jobView(job) };
  }

  job(id: string): JobView | undefined {
    this.tick();
    const job = this.jobs.get(id);
    return job ? jobView(job) : undefined;
  }

  /** Resolves when the job completes; only `tick()` (or any read) moves time, so a real-clock host ticks on a timer. */
  whenDone(id: string): Promise<JobView> {
    const job = this.job(id);
    if (job?.status === 'completed' || job?.status === 'cancelled') return Promise.resolve(job);
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** `nvidia-smi [-i index] -pl watts`: one GPU or all of them. */
  setPowerLimit(watts: number, index?: number): NodeResult<Array<{ index: number; previousW: number; newW: number }>> {
    this.tick();
    const targets = index === undefined ? this.gpus : this.gpus.filter((g) => g.index === index);
    if (targets.length === 0) return fail('invalid_gpu', `no GPU with index ${index}`);
    if (!Number.isFinite(watts) || watts < this.board.minPowerLimitW || watts > this.board.tdpW) {
      return fail(
        'invalid_power_limit',
        `Provided power limit ${Number(watts).toFixed(2)} W is not a valid power limit which should be between ` +
          `${this.board.minPowerLimitW.toFixed(2)} W and ${this.board.tdpW.toFixed(2)} W`,
      );
    }
    return {
      ok: true,
      value: targets.map((gpu) => {
        const previousW = gpu.powerLimitW;
        gpu.powerLimitW = watts;
        return { index: gpu.index, previousW, newW: watts };
      }),
    };
  }

  injectFault(fault: GpuFault): NodeResult<GpuFault> {
    const gpu = this.gpus.find((g) => g.index === fault.gpu);
    if (!gpu) return fail('invalid_gpu', `no GPU with index ${fault.gpu}`);
    gpu.eccSingleBitErrors += fault.eccSingleBitErrors ?? 0;
    gpu.eccDoubleBitErrors += fault.eccDoubleBitErrors ?? 0;
    gpu.lastXid = fault.xid ?? gpu.lastXid;
    gpu.extraTemperatureC += fault.extraTemperatureC ?? 0;
    return { ok: true, value: fault };
  }

  /** A GPU reset (`nvidia-smi -r`) or reboot: volatile ECC counters and the XID clear, the extra heat goes. */
  clearFaults(): void {
    for (const gpu of this.gpus) {
      gpu.eccSingleBitErrors = 0;
      gpu.eccDoubleBitErrors = 0;
      gpu.lastXid = 0;
      gpu.extraTemperatureC = 0;
    }
  }

  readings(): GpuReading[] {
    this.tick();
    return this.gpus.map((gpu) => {
      const info = this.item.gpus[gpu.index]!;
      const memoryUsedMib = gpu.deployment ? this.memoryUsedMib(gpu.deployment) : 0;
      return {
        index: gpu.index,
        uuid: info.uuid,
        name: this.board.smiName,
        serial: info.serial,
        pciBusId: info.pciBusId,
        driverVersion: this.item.driverVersion,
        powerDrawW: this.powerDrawW(gpu),
        powerLimitW: gpu.powerLimitW,
        defaultPowerLimitW: this.board.tdpW,
        minPowerLimitW: this.board.minPowerLimitW,
        maxPowerLimitW: this.board.tdpW,
        utilizationPct: Math.round(this.busyFraction(gpu) * 100 * (this.isWarmingUp(gpu) ? 0 : 1)),
        memoryUsedMib,
        memoryTotalMib: this.board.memoryTotalMib,
        temperatureC: Math.round(gpu.temperatureC + gpu.extraTemperatureC),
        energyMj: Math.round(gpu.energyJ * 1000),
        eccSingleBitErrors: gpu.eccSingleBitErrors,
        eccDoubleBitErrors: gpu.eccDoubleBitErrors,
        lastXid: gpu.lastXid,
      };
    });
  }

  /** Moves the node to the clock's time: GPU energy and temperature first (at the power of the interval's start), then jobs. */
  tick(): void {
    const nowMs = this.clock.nowMs();
    if (nowMs <= this.lastMs) return;
    const seconds = (nowMs - this.lastMs) / 1000;
    for (const gpu of this.gpus) {
      const powerW = this.powerDrawW(gpu);
      gpu.energyJ += powerW * seconds;
      const target = IDLE_TEMPERATURE_C + KELVIN_PER_W * powerW;
      gpu.temperatureC = target + (gpu.temperatureC - target) * Math.exp(-seconds / THERMAL_TIME_CONSTANT_SECONDS);
    }
    for (const deployment of this.deployments()) this.advanceDeployment(deployment, nowMs);
    this.lastMs = nowMs;
    this.releaseDrained();
  }

  /** Draining engines with no job left stop, freeing their GPUs. */
  private releaseDrained(): void {
    for (const d of this.deployments()) {
      if (d.draining && d.running.length + d.queue.length === 0) {
        for (const i of d.gpuIndexes) this.gpus[i]!.deployment = null;
      }
    }
  }

  private advanceDeployment(deployment: Deployment, nowMs: number): void {
    let t = this.lastMs;
    while (t < nowMs) {
      if (t < deployment.readyAtMs) {
        t = Math.min(nowMs, deployment.readyAtMs);
        continue;
      }
      this.startQueued(deployment, t);
      if (deployment.running.length === 0) break;
      const rate = this.rates(deployment).perJobTokensPerSec;
      const remaining = deployment.running.map((job) => totalWork(job.request) - job.workDone);
      const untilFirstDoneMs = (Math.min(...remaining) / rate) * 1000;
      const stepMs = Math.min(nowMs - t, untilFirstDoneMs);
      t += stepMs;
      for (const job of [...deployment.running]) {
        job.workDone = Math.min(totalWork(job.request), job.workDone + (rate * stepMs) / 1000);
        if (totalWork(job.request) - job.workDone <= 1e-9 * Math.max(1, totalWork(job.request))) {
          job.workDone = totalWork(job.request);
          job.completedAtMs = t;
          deployment.running.splice(deployment.running.indexOf(job), 1);
          this.settle(job);
        }
      }
    }
  }

  private startQueued(deployment: Deployment, atMs: number): void {
    if (atMs < deployment.readyAtMs) return;
    while (deployment.queue.length > 0 && deployment.running.length < this.maxBatchSequences) {
      const job = deployment.queue.shift()!;
      job.startedAtMs ??= atMs;
      job.waiting = false;
      deployment.running.push(job);
    }
    // A full batch: the most urgent waiting job takes the place of the least urgent running one (the latest of them).
    for (;;) {
      const waiting = deployment.queue[0];
      const victim = [...deployment.running].sort((a, b) => byUrgency(b, a))[0];
      if (!waiting || !victim || !preempts(priorityOf(waiting), priorityOf(victim))) return;
      deployment.running.splice(deployment.running.indexOf(victim), 1);
      victim.preemptions += 1;
      victim.waiting = true;
      enqueue(deployment.queue, victim);
      deployment.queue.splice(deployment.queue.indexOf(waiting), 1);
      waiting.startedAtMs ??= atMs;
      waiting.waiting = false;
      deployment.running.push(waiting);
    }
  }

  private settle(job: Job): void {
    const waiters = this.waiters.get(job.request.id);
    if (!waiters) return;
    this.waiters.delete(job.request.id);
    const view = jobView(job);
    for (const resolve of waiters) resolve(view);
  }

  /** Aggregate and per-sequence rates of a deployment at the tightest power limit of its GPUs (they run in lockstep). */
  private rates(deployment: Deployment): { aggregate: number; perSequence: number; perJobTokensPerSec: number } {
    const size = deployment.gpuIndexes.length;
    const limitW = Math.min(...deployment.gpuIndexes.map((i) => this.gpus[i]!.powerLimitW));
    const factor = throughputFactorAtLimit(limitW, this.board.tdpW);
    const aggregate = (this.pool.throughputTokensPerSecByModel[deployment.modelId] ?? 0) * size * factor;
    const spec = openModels[deployment.modelId]!;
    const perSequence = Math.min(aggregate, perSequenceTokensPerSec(spec, this.board, size) * factor);
    const batch = Math.max(1, deployment.running.length);
    return { aggregate, perSequence, perJobTokensPerSec: Math.min(perSequence, aggregate / batch) };
  }

  private busyFraction(gpu: GpuState): number {
    const deployment = gpu.deployment;
    if (!deployment) return 0;
    if (this.isWarmingUp(gpu)) return GPU_WARMUP_BUSY_FRACTION;
    if (deployment.running.length === 0) return 0;
    const { aggregate, perSequence } = this.rates(deployment);
    const fill = Math.min(1, (deployment.running.length * perSequence) / aggregate);
    return BUSY_FLOOR + (1 - BUSY_FLOOR) * fill;
  }

  private isWarmingUp(gpu: GpuState): boolean {
    return gpu.deployment !== null && this.lastMs < gpu.deployment.readyAtMs;
  }

  /** Idle draw plus the busy share of the serving span, never above the power limit. */
  private powerDrawW(gpu: GpuState): number {
    const servingW = Math.min(this.pool.servingPowerW, gpu.powerLimitW);
    const idleW = Math.min(this.pool.idlePowerW, gpu.powerLimitW);
    return idleW + (servingW - idleW) * this.busyFraction(gpu);
  }

  /** Weights plus runtime overhead; the KV cache in use grows with the batch (we do not show vLLM's pre-allocation). */
  private memoryUsedMib(deployment: Deployment): number {
    const spec = openModels[deployment.modelId]!;
    const size = deployment.gpuIndexes.length;
    const weightsBytes = perGpuModelMemoryGb(spec, size) * BYTES_PER_GB;
    const kvBytes = deployment.running.reduce(
      (sum, job) => sum + ((job.request.inputTokens + job.request.outputTokens) * 128 * 1024) / size,
      0,
    );
    return Math.min(this.board.memoryTotalMib, Math.round((weightsBytes + kvBytes) / BYTES_PER_MIB));
  }

  private deployments(): Deployment[] {
    const seen = new Set<Deployment>();
    for (const gpu of this.gpus) if (gpu.deployment) seen.add(gpu.deployment);
    return [...seen];
  }

  /** Where a new request for the model goes: a ready engine that is not draining, else one still warming. */
  private servingDeploymentOf(modelId: string): Deployment | undefined {
    const open = this.deployments().filter((d) => d.modelId === modelId && !d.draining);
    return open.find((d) => this.lastMs >= d.readyAtMs) ?? open[0];
  }

  private view(deployment: Deployment): DeploymentView {
    const { aggregate, perSequence } = this.rates(deployment);
    return {
      modelId: deployment.modelId,
      version: deployment.version,
      draining: deployment.draining,
      startedAtMs: deployment.startedAtMs,
      runningRequests: deployment.running.length,
      waitingRequests: deployment.queue.length,
      gpuIndexes: deployment.gpuIndexes,
      ready: this.lastMs >= deployment.readyAtMs,
      readyAtMs: deployment.readyAtMs,
      aggregateTokensPerSec: aggregate,
      perSequenceTokensPerSec: perSequence,
    };
  }
}

export const totalWork: (request: Pick<GpuJobRequest, 'inputTokens' | 'outputTokens'>) => number = tokenWork;

function jobView(job: Job): JobView {
  const prefill = job.request.inputTokens * PREFILL_COST_PER_INPUT_TOKEN;
  const status: JobStatus =
    job.completedAtMs !== null
      ? 'completed'
      : job.cancelledAtMs !== null
        ? 'cancelled'
        : job.waiting
          ? 'queued'
          : 'running';
  return {
    id: job.request.id,
    modelId: job.request.modelId,
    status,
    inputTokens: job.request.inputTokens,
    outputTokens: job.request.outputTokens,
    outputTokensDone:
      status === 'completed' ? job.request.outputTokens : Math.max(0, Math.floor(job.workDone - prefill)),
    submittedAtMs: job.submittedAtMs,
    startedAtMs: job.startedAtMs,
    completedAtMs: job.completedAtMs,
    cancelledAtMs: job.cancelledAtMs,
    priority: priorityOf(job),
    preemptions: job.preemptions,
  };
}

const priorityOf = (job: Job) => job.request.priority ?? 0;
/** vLLM's waiting order under priority scheduling: priority, then arrival. */
const byUrgency = (a: Job, b: Job) => priorityOf(a) - priorityOf(b) || a.arrival - b.arrival;

/** Inserts after every job at least as urgent, so equal priorities stay first come, first served. */
function enqueue(queue: Job[], job: Job): void {
  const at = queue.findIndex((other) => byUrgency(job, other) < 0);
  queue.splice(at < 0 ? queue.length : at, 0, job);
}

function fail(code: string, message: string): NodeError {
  return { ok: false, code, message };
}
