import { catalogEntry, modelCatalogSeed } from '../../../core/gpu/model-catalog.js';
import { DynamoModelCatalogStore } from '../../../functions/shared/data/model-catalog-store.js';
import { type OperatorApiHarness, startOperatorApi } from './harness.js';

let h: OperatorApiHarness;

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-model-catalog-test',
    switchFlows: { start: async () => ({ executionArn: 'arn:aws:states:local:execution:SwitchFlow:none' }) },
  });
});
afterAll(() => h?.stop());

const LLAMA_8B = catalogEntry(modelCatalogSeed, 'meta-llama/Llama-3.1-8B-Instruct')!;
const { modelId: _id, version: _v, ...SEED_BODY } = LLAMA_8B;
const NEW_VERSION = '/v1/model-catalog/meta-llama/Llama-3.1-8B-Instruct/versions/b5c1d2e';

describe('model catalog and pool deployments API', () => {
  it('serves the seed versions before any is registered', async () => {
    // Act
    const list = await h.call('GET', '/v1/model-catalog');
    const one = await h.call('GET', `/v1/model-catalog/meta-llama/Llama-3.1-8B-Instruct/versions/${LLAMA_8B.version}`);
    const missing = await h.call('GET', '/v1/model-catalog/meta-llama/Llama-3.1-8B-Instruct/versions/nope');

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.models.map((m: { modelId: string }) => m.modelId)).toEqual(modelCatalogSeed.map((m) => m.modelId));
    expect(one).toMatchObject({ status: 200, body: { ...LLAMA_8B, registeredAt: null } });
    expect(missing.status).toBe(404);
  });

  it('lets customers list and read the catalog, not change it', async () => {
    // Act
    const list = await h.call('GET', '/v1/model-catalog', { role: 'customer-user' });
    const one = await h.call('GET', `/v1/model-catalog/meta-llama/Llama-3.1-8B-Instruct/versions/${LLAMA_8B.version}`, {
      role: 'customer-admin',
    });
    const put = await h.call('PUT', NEW_VERSION, { role: 'customer-admin', body: SEED_BODY });
    const deployments = await h.call('GET', '/v1/sites/site-west-1/deployments', { role: 'customer-user' });

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.models).toHaveLength(modelCatalogSeed.length);
    expect(one).toMatchObject({ status: 200, body: { modelId: LLAMA_8B.modelId } });
    expect(put.status).toBe(403);
    expect(deployments.status).toBe(403);
  });

  it('lets an admin register a new version, stored in DynamoDB and listed as the newest', async () => {
    // Act
    const put = await h.call('PUT', NEW_VERSION, {
      role: 'admin',
      body: { ...SEED_BODY, weightsUri: 's3://hcp-model-weights/meta-llama/Llama-3.1-8B-Instruct/b5c1d2e/' },
    });
    const stored = await new DynamoModelCatalogStore({ client: h.documents, tableName: h.tableName }).list();
    const list = await h.call('GET', '/v1/model-catalog');
    const operator = await h.call('PUT', NEW_VERSION, { role: 'operator', body: SEED_BODY });

    // Assess
    expect(put).toMatchObject({ status: 200, body: { version: 'b5c1d2e', registeredBy: 'admin-1' } });
    expect(stored).toEqual([put.body]);
    expect(catalogEntry(list.body.models, LLAMA_8B.modelId)?.version).toBe('b5c1d2e');
    expect(operator.status).toBe(403);
  });

  it('refuses a bad version naming the field: 400 for its shape, 422 for a catalog rule', async () => {
    // Act
    const unknownField = await h.call('PUT', NEW_VERSION, { role: 'admin', body: { ...SEED_BODY, gpus: 2 } });
    const badUri = await h.call('PUT', NEW_VERSION, { role: 'admin', body: { ...SEED_BODY, weightsUri: 'ftp://x' } });
    const unknownGpu = await h.call('PUT', NEW_VERSION, {
      role: 'admin',
      body: { ...SEED_BODY, tokensPerSecPerGpu: { 'nvidia-h100-sxm5': 6000, 'nvidia-a100-40gb': 3000 } },
    });
    const tooBig = await h.call('PUT', NEW_VERSION, { role: 'admin', body: { ...SEED_BODY, gpuMemoryGb: 900 } });

    // Assess
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.issues).toEqual([expect.objectContaining({ field: 'gpus' })]);
    expect(badUri.status).toBe(400);
    expect(badUri.body.error.issues).toEqual([expect.objectContaining({ field: 'weightsUri' })]);
    expect(unknownGpu.status).toBe(422);
    expect(unknownGpu.body.error.issues).toEqual([
      expect.objectContaining({ field: 'tokensPerSecPerGpu.nvidia-a100-40gb', rule: 'unknown_gpu_model' }),
    ]);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error.issues[0]).toMatchObject({ field: 'gpuMemoryGb', rule: 'does_not_fit' });
  });

  it('places a catalog version on a registered pool, and refuses one the pool cannot serve naming the field', async () => {
    // Prepare
    const path = '/v1/sites/site-west-1/gpu-pools/west-h100-a/deployment';
    // Act
    const put = await h.call('PUT', path, { body: { modelId: LLAMA_8B.modelId, version: 'b5c1d2e' } });
    const listed = await h.call('GET', '/v1/sites/site-west-1/deployments');
    const unknownVersion = await h.call('PUT', path, { body: { modelId: LLAMA_8B.modelId, version: 'zzz' } });
    const unknownModel = await h.call('PUT', path, { body: { modelId: 'acme/none', version: '1' } });
    const unknownPool = await h.call('PUT', '/v1/sites/site-west-1/gpu-pools/nope/deployment', {
      body: { modelId: LLAMA_8B.modelId, version: LLAMA_8B.version },
    });

    // Assess
    expect(put).toMatchObject({
      status: 200,
      body: { siteId: 'site-west-1', poolId: 'west-h100-a', version: 'b5c1d2e', updatedBy: 'operator-1' },
    });
    expect(listed.body.deployments).toEqual([{ ...put.body, serving: null }]);
    expect(h.publisher.deployments.at(-1)).toEqual({
      thingName: 'site-west-1',
      desired: {
        poolId: 'west-h100-a',
        entry: expect.objectContaining({ modelId: LLAMA_8B.modelId, version: 'b5c1d2e', warmupSeconds: 60 }),
        updatedAt: put.body.updatedAt,
      },
    });
    expect(unknownVersion.status).toBe(422);
    expect(unknownVersion.body.error.issues).toEqual([expect.objectContaining({ field: 'version' })]);
    expect(unknownModel.body.error.issues).toEqual([expect.objectContaining({ field: 'modelId' })]);
    expect(unknownPool.status).toBe(404);
  });

  it('answers each deployment with the serving state its gateway reported', async () => {
    // Prepare: the gateway reported a rollout half way.
    const serving = {
      modelId: LLAMA_8B.modelId,
      version: 'b5c1d2e',
      replicas: [
        { version: 'b5c1d2e', loading: 0, warming: 1, ready: 0, draining: 0 },
        { version: LLAMA_8B.version, loading: 0, warming: 0, ready: 1, draining: 1 },
      ],
      warmups: 3,
      warmupEnergyKwh: 0.02,
      warmupCostUsd: 0.0008,
      reportedAt: '2026-12-07T10:00:00.000Z',
    };
    h.publisher.reported.set('site-west-1', { 'west-h100-a': serving });

    // Act
    const listed = await h.call('GET', '/v1/sites/site-west-1/deployments');

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.deployments).toEqual([expect.objectContaining({ poolId: 'west-h100-a', serving })]);
  });
});
