import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { GpuNode } from '../../../sim/devices/gpu/gpu-node.js';
import { type GpuNodeServer, startGpuNodeServer } from '../../../sim/devices/gpu/http-api.js';
import { DEFAULT_QUERY_FIELDS, parseGpuCsv } from '../../../sim/devices/gpu/nvidia-smi.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';

const south = referenceFleet.sites.find((s) => s.id === 'site-south-1')!;
const h200Pool = south.gpuPools[0]!;
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';

describe('virtual GPU node over HTTP', () => {
  let clock: ManualClock;
  let node: GpuNode;
  let server: GpuNodeServer;
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const post = (path: string, body?: unknown) =>
    fetch(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    node = new GpuNode(gpuNodeInventory(south, 1, 8, 11)[0]!, h200Pool, clock);
    server = await startGpuNodeServer(node, { host: '127.0.0.1', port: 0, autoTickMs: 0 });
  });

  afterEach(async () => {
    await server.close();
  });

  it('prints nvidia-smi csv,noheader,nounits lines that parse back into the queried fields', async () => {
    // Act
    const response = await fetch(
      url(`/nvidia-smi?query-gpu=${DEFAULT_QUERY_FIELDS.join(',')}&format=csv,noheader,nounits`),
    );
    const text = await response.text();
    const rows = parseGpuCsv(text, DEFAULT_QUERY_FIELDS);

    // Assess
    expect(response.status).toBe(200);
    expect(rows).toHaveLength(8);
    expect(text.split('\n')[0]).toMatch(
      /^0, GPU-[0-9a-f-]{36}, NVIDIA H200, \d+\.\d{2}, 700\.00, \d+, \d+, 143771, \d+$/,
    );
    const first = rows[0]!;
    expect(Number(first['power.draw'])).toBeGreaterThan(0);
    expect(Number(first['power.limit'])).toBe(700);
    expect(Number(first['memory.total'])).toBe(143771);
    expect(Number.isInteger(Number(first['temperature.gpu']))).toBe(true);
  });

  it('adds a header and units when asked, and names an unknown field', async () => {
    // Act
    const withUnits = await (await fetch(url('/nvidia-smi?query-gpu=index,power.draw,memory.used&format=csv'))).text();
    const bad = await fetch(url('/nvidia-smi?query-gpu=index,clocks.bogus&format=csv'));

    // Assess
    expect(withUnits.split('\n')[0]).toBe('index, power.draw [W], memory.used [MiB]');
    expect(withUnits.split('\n')[1]).toMatch(/^0, \d+\.\d{2} W, \d+ MiB$/);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Field "clocks.bogus" is not a valid field to query.');
  });

  it('sets the power limit of one GPU like nvidia-smi -i 0 -pl and refuses one out of range', async () => {
    // Act
    const set = await post('/nvidia-smi/power-limit?i=0&pl=450');
    const refused = await post('/nvidia-smi/power-limit?i=0&pl=900');
    const rows = parseGpuCsv(
      await (await fetch(url('/nvidia-smi?query-gpu=index,power.limit&format=csv,noheader,nounits'))).text(),
      ['index', 'power.limit'],
    );

    // Assess
    expect(set.status).toBe(200);
    expect(await set.text()).toMatch(
      /^Power limit for GPU 00000000:18:00\.0 was set to 450\.00 W from 700\.00 W\.\nAll done\.\n$/,
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('is not a valid power limit');
    expect(rows.map((r) => r['power.limit'])).toEqual(['450.00', ...Array(7).fill('700.00')]);
  });

  it('exposes DCGM-exporter metrics with gpu and UUID labels', async () => {
    // Act
    const response = await fetch(url('/metrics'));
    const text = await response.text();

    // Assess
    expect(response.headers.get('content-type')).toContain('text/plain');
    for (const metric of [
      'DCGM_FI_DEV_POWER_USAGE',
      'DCGM_FI_DEV_GPU_UTIL',
      'DCGM_FI_DEV_FB_USED',
      'DCGM_FI_DEV_GPU_TEMP',
    ]) {
      expect(text).toContain(`# TYPE ${metric} gauge`);
      const samples = text.split('\n').filter((line) => line.startsWith(`${metric}{`));
      expect(samples).toHaveLength(8);
      expect(samples[0]).toMatch(
        new RegExp(`^${metric}\\{gpu="0",UUID="GPU-[0-9a-f-]{36}",[^}]*\\} -?\\d+(\\.\\d+)?$`),
      );
    }
  });

  it('refuses over HTTP a model too large for the GPUs asked for', async () => {
    // Act
    const response = await post('/v1/models/load', { model: LLAMA_70B, tensor_parallel_size: 1 });
    const body = (await response.json()) as any;

    // Assess
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('model_too_large');
  });

  it('names the field a bad job body breaks', async () => {
    // Act
    const response = await post('/v1/jobs', { id: 'x', modelId: LLAMA_8B, inputTokens: -1, outputTokens: 5 });
    const body = (await response.json()) as any;

    // Assess
    expect(response.status).toBe(400);
    expect(body.error.param).toBe('inputTokens');
  });

  it('loads a model, lists it once warm, runs a job and a blocking completion in simulated time', async () => {
    // Prepare
    const load = await post('/v1/models/load', { model: LLAMA_8B });
    const beforeWarm = (await (await fetch(url('/v1/models'))).json()) as any;
    clock.advanceMs(h200Pool.modelWarmupSeconds * 1000);

    // Act
    const models = (await (await fetch(url('/v1/models'))).json()) as any;
    const submitted = await post('/v1/jobs', { id: 'job-1', modelId: LLAMA_8B, inputTokens: 500, outputTokens: 100 });
    const pending = post('/v1/completions', { model: LLAMA_8B, prompt: 'Hello, world', max_tokens: 20 });
    const completionId = `cmpl-${node.item.id}-1`;
    while (node.job(completionId) === undefined) await new Promise((r) => setTimeout(r, 5));
    clock.advanceMs(5000);
    node.tick();
    const completion = (await (await pending).json()) as any;
    const job = (await (await fetch(url('/v1/jobs/job-1'))).json()) as any;

    // Assess
    expect(load.status).toBe(202);
    expect(beforeWarm.data).toEqual([]);
    expect(models.data.map((m: { id: string }) => m.id)).toEqual([LLAMA_8B]);
    expect(submitted.status).toBe(202);
    expect(completion.object).toBe('text_completion');
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 20, total_tokens: 23 });
    expect(job).toMatchObject({ id: 'job-1', status: 'completed', outputTokensDone: 100 });
  });
});
