import { join } from 'node:path';
import { catalogEntry, modelCatalogSeed } from '../../../core/gpu/model-catalog.js';
import { type LoadReplica, replicaListSchema } from '../../../core/serving/node-agent.js';
import { systemClock } from '../../../core/support/clock.js';
import { nodeAgentHttp } from '../../../iot-greengrass/adapters/inference/node-agent-http.js';
import { openAiHttpInference } from '../../../iot-greengrass/adapters/inference/openai-http.js';
import { type RunningNodeAgent, startNodeAgent } from '../../../iot-greengrass/node-agent/src/agent.js';
import { spawnEngine } from '../../../iot-greengrass/node-agent/src/engine-process.js';
import { type EngineCommand, vllmServeCommand } from '../../../iot-greengrass/node-agent/src/vllm-command.js';
import { until } from '../../support/until.js';

/**
 * The real node agent with real child processes: `fake-vllm.mjs` stands in for the `vllm` executable (same command
 * line, log lines, /health and OpenAI route), started and stopped by the agent over its HTTP API.
 */
const LLAMA_8B = catalogEntry(modelCatalogSeed, 'meta-llama/Llama-3.1-8B-Instruct')!;
const LOAD: LoadReplica = {
  modelId: LLAMA_8B.modelId,
  version: LLAMA_8B.version,
  weightsUri: LLAMA_8B.weightsUri,
  engine: 'vllm',
  tensorParallelSize: 1,
  warmupSeconds: LLAMA_8B.warmupSeconds,
};

describe('node agent: one vLLM process per model version', () => {
  let agent: RunningNodeAgent;
  const launched: EngineCommand[] = [];
  const engineLines: string[] = [];
  beforeAll(async () => {
    const spawnFake = spawnEngine(process.execPath, [join(__dirname, '../../support/fake-vllm.mjs')]);
    agent = await startNodeAgent({
      gpuCount: 2,
      clock: systemClock,
      host: '127.0.0.1',
      port: 0,
      firstEnginePort: 18_100 + (process.pid % 1000) * 10,
      healthPollMs: 20,
      launch: (command) => {
        launched.push(command);
        const engine = spawnFake(command);
        engine.onLine((line) => engineLines.push(line));
        return engine;
      },
    });
  });
  afterAll(() => agent?.close());

  it('builds the vllm serve command: served name, priority scheduling, revision, its own GPUs', () => {
    // Act
    const hf = vllmServeCommand(LOAD, 8101, [2, 3]);
    const s3 = vllmServeCommand({ ...LOAD, weightsUri: 's3://weights/llama-8b/' }, 8102, [0]);
    // Assess
    expect(hf.args.join(' ')).toBe(
      `serve meta-llama/Llama-3.1-8B-Instruct --revision ${LLAMA_8B.version} --served-model-name ` +
        'meta-llama/Llama-3.1-8B-Instruct --host 127.0.0.1 --port 8101 --tensor-parallel-size 1 --scheduling-policy priority',
    );
    expect(hf.env).toEqual({ CUDA_VISIBLE_DEVICES: '2,3' });
    expect(s3.args.slice(0, 4)).toEqual(['serve', 's3://weights/llama-8b/', '--load-format', 'runai_streamer']);
  });

  it('loads a replica through loading → warming → ready, serves through it, and drains it after its last request', async () => {
    // Prepare
    const baseUrl = `http://127.0.0.1:${agent.port}`;
    const client = nodeAgentHttp();
    const states = new Set<string>();
    const watch = setInterval(() => {
      for (const r of agent.replicas()) states.add(r.state);
    }, 5);

    // Act: load, wait for ready, send a slow completion, drain while it runs.
    const loaded = await client.load(baseUrl, LOAD);
    await until('the replica ready', () => agent.replicas()[0]?.state === 'ready');
    const listed = replicaListSchema.parse(await (await fetch(`${baseUrl}/agent/v1/replicas`)).json());
    const slow = openAiHttpInference().complete({
      baseUrl,
      modelId: LOAD.modelId,
      prompt: 'hello',
      maxTokens: 400,
      priority: 0,
      signal: new AbortController().signal,
    });
    await until('the request in flight', () => agent.replicas()[0]?.runningRequests === 1);
    const drained = await client.drain(baseUrl, LOAD);
    const whileDraining = agent.replicas()[0]?.state;
    const refused = await openAiHttpInference().complete({
      baseUrl,
      modelId: LOAD.modelId,
      prompt: 'late',
      maxTokens: 1,
      signal: new AbortController().signal,
    });
    const outcome = await slow;
    await until('the engine stopped', () => agent.replicas().length === 0, {
      timeoutMs: 10_000,
      detail: () => ({ replicas: agent.replicas(), engineLines, outcome: String(JSON.stringify(outcome)) }),
    });
    clearInterval(watch);

    // Assess
    expect(loaded).toEqual({ ok: true });
    expect([...states]).toEqual(expect.arrayContaining(['loading', 'warming', 'ready', 'draining']));
    expect(listed.replicas).toEqual([expect.objectContaining({ modelId: LOAD.modelId, gpuIndexes: [0] })]);
    expect(launched[0]?.args).toEqual(expect.arrayContaining(['--scheduling-policy', 'priority']));
    expect(drained).toEqual({ ok: true });
    expect(whileDraining).toBe('draining');
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'server-error', status: 404 } });
    expect(outcome).toEqual({ ok: true, value: { inputTokens: 1, outputTokens: 400 } });
    expect(engineLines).toEqual(expect.arrayContaining([expect.stringMatching(/Loading weights took/)]));
  });

  it('refuses a replica that does not fit the free GPUs, and a bad body naming the field', async () => {
    // Prepare
    const baseUrl = `http://127.0.0.1:${agent.port}`;
    // Act
    const tooWide = await nodeAgentHttp().load(baseUrl, { ...LOAD, tensorParallelSize: 4 });
    const bad = await fetch(`${baseUrl}/agent/v1/load`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...LOAD, tensorParallelSize: 0 }),
    });
    // Assess
    expect(tooWide).toMatchObject({ ok: false, status: 409 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^tensorParallelSize:/);
  });
});
