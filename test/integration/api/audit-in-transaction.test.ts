import { listAudit, verifyAudit } from '../../../functions/shared/data/audit-log.js';
import { documentClient } from '../../../functions/shared/data/client.js';
import { DynamoGpuPriceSheetStore } from '../../../functions/shared/data/gpu-price-sheet-store.js';
import { benchWorkloadRequest } from '../../../sim/bench/workload-request.js';
import { DYNAMODB_WRITES } from '../../../sim/local/fault-injection.js';
import { type ApiHarness, startApiHarness } from './harness.js';

/**
 * #23 item 1: every mutating route writes its audit event in the mutation's own transaction. The handler "crashes"
 * right after its first write is performed (the Lambda dies, the client gets 500): whatever that write stored, the
 * audit log holds exactly one entry for it. Before, the routes wrote the mutation, then the audit event in a second
 * write: this crash stored the mutation with no entry.
 */
let h: ApiHarness;
/** Armed: the next DynamoDB write of the API's handlers is performed, then the handler throws. */
let crashAfterNextWrite = false;
const WRITES = new Set<string>(DYNAMODB_WRITES);

beforeAll(async () => {
  h = await startApiHarness({ tableName: 'hcp-audit-in-transaction-test' });
  // The handlers' client (module scope, as in a Lambda); the chainer and the harness have their own.
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (crashAfterNextWrite && WRITES.has(context.commandName ?? '')) {
        crashAfterNextWrite = false;
        throw Object.assign(new Error(`crash after ${context.commandName} (injected)`), { name: 'InjectedCrash' });
      }
      return result;
    },
    { step: 'deserialize', name: 'testCrashAfterWrite', priority: 'high' },
  );
});

afterAll(async () => {
  await h?.stop();
});

const runtime = () => h.api.runtime;

/** Entries of `chain` with this action (and target, when given), once the chainer has linked everything. */
async function entries(chain: string, action: string, target?: string) {
  await h.api.auditChainer.idle();
  const { items } = await listAudit(runtime().audit, chain, 100_000);
  return items.filter((e) => e.action === action && (target === undefined || e.target === target));
}

/** Calls the route with the crash armed: the answer must be the crash's 500. */
async function crashing(method: string, path: string, key: string, body?: unknown) {
  crashAfterNextWrite = true;
  const response = await h.call(method, path, { key, ...(body === undefined ? {} : { body }) });
  crashAfterNextWrite = false;
  expect(response.status).toBe(500);
}

describe('a mutating route killed right after its first write (#23 item 1)', () => {
  it('cancels a workload and audits the cancel, or neither', async () => {
    // Prepare
    const submitted = await h.call('POST', '/v1/workloads', {
      key: h.demo.apiKey,
      headers: { 'idempotency-key': 'crash-cancel-1' },
      body: benchWorkloadRequest(),
    });
    const id = submitted.body.id as string;

    // Act
    await crashing('POST', `/v1/workloads/${id}/cancel`, h.demo.apiKey);

    // Assess
    const stored = await runtime().workloads.get(h.demo.tenantId, id, true);
    expect(stored?.status).toBe('cancelled');
    expect(await entries(h.demo.tenantId, 'workload.cancel', `workload/${id}`)).toHaveLength(1);
  });

  it('creates and revokes an API key, each audited exactly once', async () => {
    // Prepare
    const before = (await entries(h.demo.tenantId, 'api-key.create')).length;

    // Act
    await crashing('POST', '/v1/api-keys', h.demo.customerAdminApiKey, { name: 'crash-key', role: 'customer-user' });
    const [key] = (await runtime().apiKeys.list(h.demo.tenantId)).filter((k) => k.name === 'crash-key');
    await crashing('DELETE', `/v1/api-keys/${key!.keyId}`, h.demo.customerAdminApiKey);

    // Assess
    expect(await entries(h.demo.tenantId, 'api-key.create')).toHaveLength(before + 1);
    const revoked = (await runtime().apiKeys.list(h.demo.tenantId)).find((k) => k.keyId === key!.keyId);
    expect(revoked?.revokedAt).toBeDefined();
    expect(await entries(h.demo.tenantId, 'api-key.revoke', `api-key/${key!.keyId}`)).toHaveLength(1);
  });

  it('creates a tenant and sets a user’s role, each audited exactly once (platform and tenant chains)', async () => {
    // Act
    await crashing('POST', '/v1/tenants', h.demo.adminApiKey, {
      tenantId: 'crash-co',
      name: 'Crash Co',
      usagePlan: 'standard',
    });
    await crashing('PUT', `/v1/tenants/${h.demo.tenantId}/users/u-crash`, h.demo.customerAdminApiKey, {
      role: 'customer-user',
    });

    // Assess
    expect(await runtime().tenants.get('crash-co')).toBeDefined();
    expect(await entries('platform', 'tenant.create', 'tenant/crash-co')).toHaveLength(1);
    expect(await runtime().tenants.getUserRole(h.demo.tenantId, 'u-crash')).toBeDefined();
    const target = `tenant/${h.demo.tenantId}/user/u-crash`;
    expect(await entries(h.demo.tenantId, 'user.role.set', target)).toHaveLength(1);
  });

  it('creates, replaces, rotates and deletes a webhook, each change audited exactly once', async () => {
    // Prepare
    const target = `webhook/${h.demo.tenantId}`;
    const key = h.demo.customerAdminApiKey;

    // Act / Assess, change by change
    await crashing('PUT', '/v1/webhook', key, { url: 'https://hooks.example.com/a' });
    expect((await runtime().webhooks.get(h.demo.tenantId))?.url).toBe('https://hooks.example.com/a');
    expect(await entries(h.demo.tenantId, 'webhook.create', target)).toHaveLength(1);

    await crashing('PUT', '/v1/webhook', key, { url: 'https://hooks.example.com/b' });
    const replaced = await runtime().webhooks.get(h.demo.tenantId);
    expect(replaced?.url).toBe('https://hooks.example.com/b');
    expect(await entries(h.demo.tenantId, 'webhook.update', target)).toHaveLength(1);

    await crashing('POST', '/v1/webhook/rotate-secret', key);
    expect((await runtime().webhooks.get(h.demo.tenantId))?.secret).not.toBe(replaced?.secret);
    expect(await entries(h.demo.tenantId, 'webhook.rotate-secret', target)).toHaveLength(1);

    await crashing('DELETE', '/v1/webhook', key);
    expect(await runtime().webhooks.get(h.demo.tenantId)).toBeUndefined();
    expect(await entries(h.demo.tenantId, 'webhook.delete', target)).toHaveLength(1);
  });

  it('replaces the GPU price sheet and audits it exactly once', async () => {
    // Act
    await crashing('PUT', '/v1/market/gpu-prices', h.demo.adminApiKey, {
      prices: [{ gpuModel: 'H100', tier: 'flex', usdPerGpuHour: 2.5 }],
    });

    // Assess
    const sheet = await new DynamoGpuPriceSheetStore({ client: h.documents, tableName: h.tableName }).get();
    expect(sheet?.prices).toEqual([{ gpuModel: 'H100', tier: 'flex', usdPerGpuHour: 2.5 }]);
    expect(await entries('platform', 'market.gpu-prices', 'gpu-prices')).toHaveLength(1);
  });

  it('drains a site in the registry and audits the change with its registry version', async () => {
    // Act
    await crashing('POST', '/v1/fleet/sites/site-west-1/drain', h.demo.adminApiKey);

    // Assess
    const record = await runtime().registry.store.get('site-west-1');
    expect(record?.status).toBe('draining');
    const [entry, ...more] = await entries('platform', 'site.drain', 'site-west-1');
    expect(more).toHaveLength(0);
    expect(entry?.detail?.registryVersion).toBe(record?.registryVersion);
  });

  it('leaves every chain verifying after the crashes', async () => {
    // Act
    const chains = await Promise.all([h.demo.tenantId, 'platform'].map((c) => verifyAudit(runtime().audit, c)));

    // Assess
    for (const chain of chains) expect(chain).toMatchObject({ ok: true, pending: 0 });
  });
});
