import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { openAiHttpInference } from '../../../iot-greengrass/adapters/inference/openai-http.js';
import { GpuNode } from '../../../sim/devices/gpu/gpu-node.js';
import { type GpuNodeServer, startGpuNodeServer } from '../../../sim/devices/gpu/http-api.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';
import { until } from '../../support/until.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const west = referenceFleet.sites[0]!;
const pool = { ...west.gpuPools[0]!, modelWarmupSeconds: 0 };

describe('OpenAI-compatible inference adapter against a virtual GPU node', () => {
  let clock: ManualClock;
  let node: GpuNode;
  let server: GpuNodeServer;
  let baseUrl: string;
  const inference = openAiHttpInference();
  /** The node's id of the first completion it takes (a new node per test). */
  let FIRST_JOB: string;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 2));
    node = new GpuNode(gpuNodeInventory(west, 1, 8, 5)[0]!, pool, clock);
    server = await startGpuNodeServer(node, { host: '127.0.0.1', port: 0, autoTickMs: 5 });
    baseUrl = `http://127.0.0.1:${server.port}`;
    FIRST_JOB = `cmpl-${node.item.id}-1`;
    node.loadModel({ model: MODEL, tensorParallelSize: 8 });
  });

  afterEach(async () => {
    await server.close();
  });

  it('returns the token usage of a completion the node finished', async () => {
    // Prepare
    const pending = inference.complete({
      baseUrl,
      modelId: MODEL,
      prompt: 'tok '.repeat(40),
      maxTokens: 30,
      signal: new AbortController().signal,
    });

    // Act: once the node runs the completion, a minute passes on its clock.
    await until('the node to take the completion', () => node.job(FIRST_JOB)?.status === 'running');
    clock.advanceMs(60_000);
    const outcome = await pending;

    // Assess
    expect(outcome).toEqual({ ok: true, value: { inputTokens: 40, outputTokens: 30 } });
  });

  it('aborts a running request and the node frees its sequence', async () => {
    // Prepare
    const abort = new AbortController();
    const pending = inference.complete({
      baseUrl,
      modelId: MODEL,
      prompt: 'tok',
      maxTokens: 5000,
      signal: abort.signal,
    });
    await until('the node to take the completion', () => node.job(FIRST_JOB)?.status === 'running');
    clock.advanceMs(1000);

    // Act
    abort.abort();
    const outcome = await pending;
    // The node learns of the abort when the connection closes, just after the client gave up.
    const job = await until('the node to cancel the job', () => {
      const view = node.job(FIRST_JOB);
      return view?.status === 'cancelled' && view;
    });

    // Assess
    expect(outcome).toEqual({ ok: false, failure: { kind: 'aborted', checkpointOutputTokens: 0 } });
    expect(job?.status).toBe('cancelled');
    expect(job?.outputTokensDone).toBeGreaterThan(0);
  });

  it('reports the node refusing a model it does not serve as a server error with its message', async () => {
    // Act
    const outcome = await inference.complete({
      baseUrl,
      modelId: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
      prompt: 'tok',
      maxTokens: 5,
      signal: new AbortController().signal,
    });

    // Assess
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'server-error', status: 404 } });
    expect(!outcome.ok && 'detail' in outcome.failure && outcome.failure.detail).toContain('not loaded');
  });

  it('keeps the work done when a job is deleted through the job API (a checkpoint)', async () => {
    // Prepare
    node.submitJob({ id: 'j1', modelId: MODEL, inputTokens: 10, outputTokens: 10_000 });
    clock.advanceMs(2000);

    // Act
    const response = await fetch(`${baseUrl}/v1/jobs/j1`, { method: 'DELETE' });
    const missing = await fetch(`${baseUrl}/v1/jobs/nope`, { method: 'DELETE' });

    // Assess
    const body = (await response.json()) as { status: string; outputTokensDone: number };
    expect(response.status).toBe(200);
    expect(body.status).toBe('cancelled');
    expect(body.outputTokensDone).toBeGreaterThan(0);
    expect(missing.status).toBe(404);
  });
});

describe('OpenAI-compatible inference adapter against a server that answers badly', () => {
  it('names the field of a malformed completion', async () => {
    // Prepare: a 200 with no usage and an empty choices list
    const bad = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [] }));
    });
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
    const { port } = bad.address() as AddressInfo;

    // Act
    const outcome = await openAiHttpInference().complete({
      baseUrl: `http://127.0.0.1:${port}`,
      modelId: MODEL,
      prompt: 'hi',
      maxTokens: 5,
      signal: new AbortController().signal,
    });
    await new Promise<void>((resolve) => bad.close(() => resolve()));

    // Assess
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'malformed-completion' } });
    const detail = !outcome.ok && 'detail' in outcome.failure ? outcome.failure.detail : '';
    expect(detail).toContain('choices');
    expect(detail).toContain('usage');
  });
});
