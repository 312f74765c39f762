import type { LoadReplica } from '../../../core/serving/node-agent.js';

/** One engine process to start: the program's arguments and the environment it adds. */
export interface EngineCommand {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `vllm serve` for one replica, listening on loopback only (the agent proxies to it):
 * - `--served-model-name` is the catalog's model id, so clients ask for the model, not the weights path;
 * - `--scheduling-policy priority` makes the request's `priority` field count (core/serving/tiers.ts);
 * - `hf://org/name@rev` becomes `org/name --revision rev`; `s3://…` is streamed by vLLM's Run:ai model streamer
 *   (`--load-format runai_streamer`), which reads S3 itself with the node's credentials;
 * - the GPUs are chosen with `CUDA_VISIBLE_DEVICES`, so each engine sees only its own.
 */
export function vllmServeCommand(load: LoadReplica, port: number, gpuIndexes: readonly number[]): EngineCommand {
  const hf = /^hf:\/\/([^@]+)(?:@(.+))?$/.exec(load.weightsUri);
  const source = hf
    ? [hf[1]!, ...(hf[2] ? ['--revision', hf[2]] : [])]
    : [load.weightsUri, '--load-format', 'runai_streamer'];
  return {
    args: [
      'serve',
      ...source,
      '--served-model-name',
      load.modelId,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--tensor-parallel-size',
      String(load.tensorParallelSize),
      '--scheduling-policy',
      'priority',
    ],
    env: { CUDA_VISIBLE_DEVICES: gpuIndexes.join(',') },
  };
}

/**
 * vLLM's start-up log: the weights are in device memory once it reports the load time ("Loading weights took …",
 * "Model loading took …"); what follows (KV-cache profiling, CUDA-graph capture) is the warming phase.
 */
export const WEIGHTS_LOADED_LINE = /Loading weights took|Model loading took/;
