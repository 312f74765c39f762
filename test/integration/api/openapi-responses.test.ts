import { undocumentedAnswer } from './openapi-responses.js';

/** The check every API integration test's answers go through must catch what the document does not say. */
describe('answers checked against the OpenAPI document', () => {
  const json = 'application/json';

  it('passes a documented answer and names an undocumented status, content type or body', () => {
    const error = JSON.stringify({
      error: { code: 'x', message: 'y', issues: [{ field: 'tier', rule: 'r', message: 'm' }] },
    });
    expect(
      undocumentedAnswer('GET', '/v1/workloads?limit=1', { status: 400, contentType: json, text: error }),
    ).toBeUndefined();
    expect(undocumentedAnswer('GET', '/v1/workloads', { status: 418, contentType: json, text: error })).toMatch(
      /listWorkloads 418: status not documented/,
    );
    expect(undocumentedAnswer('GET', '/v1/workloads', { status: 400, contentType: 'text/html', text: '<p>' })).toMatch(
      /text\/html not documented/,
    );
    expect(
      undocumentedAnswer('GET', '/v1/workloads/wl-1', { status: 200, contentType: json, text: '{"id":1}' }),
    ).toMatch(/getWorkload 200: /);
  });
});
