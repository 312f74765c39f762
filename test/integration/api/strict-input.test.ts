import { issueFields, sendRaw } from '../../reliability/support/api-client.js';
import { validWorkloadRequest } from '../../support/fixtures.js';
import { type ApiHarness, startApiHarness } from './harness.js';

/** What docs/API.md promises about request bodies and query strings, over real HTTP on the local adapter. */

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ tableName: 'hcp-api-strict-input' });
}, 90_000);

afterAll(async () => {
  await h?.stop();
});

const submit = (body: string, headers: Record<string, string>) =>
  sendRaw(h.url, {
    method: 'POST',
    path: '/v1/workloads',
    headers: { 'x-api-key': h.demo.apiKey, 'idempotency-key': `strict-${Math.random()}`, ...headers },
    body,
  });

describe('strict input', () => {
  it('refuses a body without Content-Type with 415 naming content-type', async () => {
    // Act
    const response = await submit(JSON.stringify(validWorkloadRequest()), {});

    // Assess
    expect(response.status).toBe(415);
    expect(issueFields(response)).toEqual(['content-type']);
  });

  it('answers a body over the adapter limit with a 413 naming body', async () => {
    // Act
    const response = await submit('x'.repeat(1024 * 1024 + 1), { 'content-type': 'application/json' });

    // Assess
    expect(response.status).toBe(413);
    expect(issueFields(response)).toEqual(['body']);
  });

  it('refuses duplicate JSON keys with 400 naming the key, nested ones by their path', async () => {
    // Prepare
    const valid = JSON.stringify(validWorkloadRequest());
    const topLevel = valid.replace('{', '{"tier":"flex",');

    // Act
    const response = await submit(topLevel, { 'content-type': 'application/json' });
    const override = await sendRaw(h.url, {
      method: 'PUT',
      path: '/v1/webhook',
      headers: { 'x-api-key': h.demo.customerAdminApiKey, 'content-type': 'application/json' },
      body: '{"url":"https://hooks.example.com/x","events":["workload.completed"],"url":"https://evil.example.com"}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(issueFields(response)).toEqual(['tier']);
    expect(override.status).toBe(400);
    expect(issueFields(override)).toEqual(['url']);
  });

  it('refuses a repeated query parameter with 400 naming it', async () => {
    // Act
    const response = await sendRaw(h.url, {
      method: 'GET',
      path: '/v1/workloads?limit=1&limit=2',
      headers: { 'x-api-key': h.demo.apiKey },
    });

    // Assess
    expect(response.status).toBe(400);
    expect(issueFields(response)).toEqual(['limit']);
  });
});
