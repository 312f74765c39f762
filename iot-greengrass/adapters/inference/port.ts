import type { GpuHealthSample } from '../../../core/gpu/health.js';
import type { LoadReplica, ReplicaKey, ReplicaView } from '../../../core/serving/node-agent.js';

/**
 * The ports the GpuWorker drives: a site job queue (at-least-once delivery), an inference server per GPU node, the
 * node's power reading for metering, its health figures, and where job reports go. Adapters live beside this file.
 */

/** Delivers each message at least once, as raw text: the worker validates it. */
export interface JobQueuePort {
  start(handler: (payload: string) => void): Promise<void>;
  stop(): Promise<void>;
}

export interface ReportSink {
  /** Resolves once the report is durably handed over (QoS 1 PUBACK); the worker may resend it any time. */
  publish(payload: string): Promise<void>;
}

export interface InferenceRequest {
  /** The node's inference server, e.g. http://10.0.4.17:8000 (vLLM, TGI) or a virtual GPU node. */
  readonly baseUrl: string;
  readonly modelId: string;
  readonly prompt: string;
  readonly maxTokens: number;
  /** vLLM's per-request `priority` (core/serving/tiers.ts `enginePriority`); absent: the server's default, 0. */
  readonly priority?: number;
  /** Aborting stops the request; the server frees the sequence (vLLM aborts on disconnect). */
  readonly signal: AbortSignal;
}

export interface InferenceResult {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type InferenceFailure =
  /** The server answered 2xx with a body that is not a completion: which field was wrong. */
  | { readonly kind: 'malformed-completion'; readonly detail: string }
  | { readonly kind: 'server-error'; readonly status: number; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly detail: string }
  /** Stopped by the worker; `checkpointOutputTokens` is what the server kept (0 when it keeps nothing). */
  | { readonly kind: 'aborted'; readonly checkpointOutputTokens: number };

export type InferenceOutcome =
  | { readonly ok: true; readonly value: InferenceResult }
  | { readonly ok: false; readonly failure: InferenceFailure };

export interface InferencePort {
  /** Whether an aborted request can report the tokens it kept, so the next attempt resumes instead of restarting. */
  readonly checkpoints: boolean;
  complete(request: InferenceRequest): Promise<InferenceOutcome>;
}

/** A node's GPU power now: the sum over the GPUs that reported it, and how many did. */
export interface NodePowerReading {
  readonly powerW: number;
  readonly gpus: number;
}

/** A node's GPU power now; undefined when the node does not answer (the sample is skipped, not zero). */
export interface NodePowerPort {
  readPower(metricsUrl: string): Promise<NodePowerReading | undefined>;
}

/** Each GPU's health figures now (temperature, ECC, XID); undefined when the node does not answer. */
export interface NodeHealthPort {
  readHealth(metricsUrl: string): Promise<readonly GpuHealthSample[] | undefined>;
}

/** A GPU node's agent (core/serving/node-agent.ts): starts and stops one serving-engine process per model version. */
export interface NodeAgentPort {
  /** The node's replicas; undefined when the agent does not answer. */
  replicas(agentUrl: string): Promise<readonly ReplicaView[] | undefined>;
  load(agentUrl: string, request: LoadReplica): Promise<AgentOutcome>;
  drain(agentUrl: string, replica: ReplicaKey): Promise<AgentOutcome>;
  unload(agentUrl: string, replica: ReplicaKey): Promise<AgentOutcome>;
}

export type AgentOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: number; readonly detail: string };
