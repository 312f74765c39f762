import fc from 'fast-check';
import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import { useLocalGatewayIdentities } from '../../functions/api/operator/gateway-identities.js';
import type { ApiRoute } from '../../functions/api/route.js';
import { LocalMqttIdentities } from '../../sim/local/local-mqtt-identities.js';
import { validWorkloadRequest } from '../support/fixtures.js';
import {
  type AbuseHarness,
  errorShapeProblem,
  issueFields,
  type RawResponse,
  startAbuseHarness,
  Tally,
} from './support/api-client.js';
import { type Mutation, mutations } from './support/api-fuzz.js';
import { API_ROUTES, exampleFor, keyFor, routeName, toRawRequest } from './support/api-routes.js';
import { recordFigure } from './support/figures.js';

/**
 * Every route of the route table fuzzed over real HTTP (DynamoDB Local + the local API Gateway adapter): its valid
 * example request with one part made hostile (fast-check, seeded), sent with a key whose role may call the route so
 * validation is reached. Never a 5xx; every 4xx in the API's error shape; a 400/422 names the field at fault; and
 * what was stored before the fuzz reads back unchanged, with every audit chain verifying.
 */

const RUNS_PER_ROUTE = Number(process.env.API_FUZZ_RUNS ?? 260);
const SEED = Number(process.env.API_FUZZ_SEED ?? 9);
const KEPT_TENANT = 'fuzz-kept';
/** Over the adapter's 1 MiB limit (API Gateway's is 10 MB): refused before any handler runs. */
const OVER_ADAPTER_LIMIT = 'x'.repeat(1024 * 1024 + 1);

let h: AbuseHarness;
const tally = new Tally();
let kept: { tenant: unknown; workload: unknown; keys: unknown; workloadPath: string; key: string };

beforeAll(async () => {
  h = await startAbuseHarness({ tableName: 'hcp-api-fuzz' });
  // The gateway routes onboard against the local platform's CA, as under `npm start` (IoT Core's registry in AWS).
  useLocalGatewayIdentities(await LocalMqttIdentities.create());
  const admin = h.keys.admin;
  await h.call('POST', '/v1/tenants', {
    key: admin,
    body: { tenantId: KEPT_TENANT, name: 'Kept', usagePlan: 'premium' },
  });
  const created = await h.call('POST', '/v1/api-keys', {
    key: admin,
    body: { name: 'kept', role: 'customer-user', tenantId: KEPT_TENANT },
  });
  const key = created.body.apiKey as string;
  const submitted = await h.call('POST', '/v1/workloads', {
    key,
    body: validWorkloadRequest(),
    headers: { 'Idempotency-Key': 'kept-1' },
  });
  const workloadPath = `/v1/workloads/${submitted.body.id}`;
  kept = { ...(await readKept(workloadPath, key)), workloadPath, key };
});

afterAll(async () => {
  useLocalGatewayIdentities(undefined);
  await h?.stop();
});

async function readKept(workloadPath: string, key: string) {
  const [tenant, workload, keys] = await Promise.all([
    h.call('GET', `/v1/tenants/${KEPT_TENANT}`, { key: h.keys.admin }),
    h.call('GET', workloadPath, { key }),
    h.call('GET', `/v1/api-keys?tenantId=${KEPT_TENANT}`, { key: h.keys.admin }),
  ]);
  return { tenant: tenant.body, workload: workload.body, keys: keys.body };
}

/** What is wrong with the answer to `mutation`, or undefined when it is a proper answer. */
function problemWith(mutation: Mutation, response: RawResponse): string | undefined {
  if (response.status >= 500) return `${response.status}: ${response.text.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  const shape = errorShapeProblem(response);
  if (shape) return `${response.status} ${shape}`;
  if (response.status !== 400 && response.status !== 422) return undefined;
  const fields = issueFields(response);
  if (fields.length === 0) return `${response.status} names no field: ${response.text.slice(0, 200)}`;
  if (mutation.blame.length === 0) return undefined;
  // A lone surrogate survives in a JSON body (escaped) but arrives as U+FFFD in a URL: either spelling is the field.
  // The fuzz reuses the example's Idempotency-Key, so a valid body of its own is a replay with another body: 422.
  const replay = response.status === 422 ? ['Idempotency-Key'] : [];
  const blame = [...mutation.blame, ...mutation.blame.map(wellFormed), ...replay];
  const blamed = fields.some((field) =>
    blame.some((name) => field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`)),
  );
  return blamed ? undefined : `${response.status} names ${fields.join(', ')}, not ${mutation.blame.join(' or ')}`;
}

const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

async function fuzz(route: ApiRoute) {
  const key = keyFor(route, h.keys);
  const name = routeName(route);
  const example = exampleFor(route);
  const oversized = await h.send({ ...toRawRequest(route, example, key), body: OVER_ADAPTER_LIMIT });
  tally.add(name, oversized.status);
  expect({ status: oversized.status, shape: errorShapeProblem(oversized) }).toEqual({ status: 413, shape: undefined });

  await fc.assert(
    fc.asyncProperty(mutations(route, example, key), async (mutation) => {
      const response = await h.send(mutation.request);
      tally.add(name, response.status);
      const problem = problemWith(mutation, response);
      if (problem) throw new Error(`${mutation.label} → ${problem}`);
    }),
    { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
  );
}

describe('API fuzz: every route from its schema, over real HTTP', () => {
  it.each(API_ROUTES.map((route) => [routeName(route), route] as const))(
    'answers malformed requests to %s with a 4xx naming the field, never a 5xx',
    async (_name, route) => {
      await fuzz(route);
    },
  );

  it('leaves what was stored before the fuzz unchanged, and every audit chain verifies', async () => {
    // Act
    const after = await readKept(kept.workloadPath, kept.key);
    const chains = await Promise.all(
      [KEPT_TENANT, h.demo.tenantId, PLATFORM_TENANT_ID].map((chain) =>
        h.call('GET', `/v1/audit/verify?chain=${chain}`, { key: h.keys.admin }),
      ),
    );

    // Assess
    expect(after).toEqual({ tenant: kept.tenant, workload: kept.workload, keys: kept.keys });
    expect(chains.map((c) => c.body)).toEqual(
      [KEPT_TENANT, h.demo.tenantId, PLATFORM_TENANT_ID].map((chain) => expect.objectContaining({ chain, ok: true })),
    );
    const histogram = tally.histogram();
    const serverErrors = Object.entries(histogram).filter(([status]) => Number(status) >= 500);
    console.log(`${tally.report(`API fuzz (seed ${SEED}, ${RUNS_PER_ROUTE} runs per route)`)}\n`);
    recordFigure('api-fuzz.requests', tally.total(), 'requests');
    recordFigure('api-fuzz.routes', API_ROUTES.length, 'routes');
    expect(serverErrors).toEqual([]);
    expect(tally.total()).toBeGreaterThanOrEqual(API_ROUTES.length * RUNS_PER_ROUTE);
  });
});
