import type { ApiRoute } from '../../functions/api/route.js';
import { type AbuseHarness, errorShapeProblem, issueFields, startAbuseHarness } from './support/api-client.js';
import { API_ROUTES, exampleFor, keyFor, numberFieldNames, routeName, toRawRequest } from './support/api-routes.js';

/**
 * The extremes of every number field of every route, as JSON text (so `-0` and denormals reach the parser as sent):
 * each must be refused with a 4xx naming the field, never stored (DynamoDB holds 38 significant digits in 1e-130 ..
 * 9.99e125; 1e-131 once answered 500 from the idempotency claim).
 */
const EXTREMES = ['5e-324', '-5e-324', '2.2250738585072014e-308', '1e-131', '-0', '1e308', '-1e308', '1e126'];

let h: AbuseHarness;

beforeAll(async () => {
  h = await startAbuseHarness({ tableName: 'hcp-api-number-extremes' });
});

afterAll(async () => {
  await h?.stop();
});

interface NumberField {
  readonly route: ApiRoute;
  readonly place: 'body' | 'query';
  readonly field: string;
}

const numberFields: NumberField[] = API_ROUTES.flatMap((route) => [
  ...numberFieldNames(route.request?.body).map((field) => ({ route, place: 'body' as const, field })),
  ...numberFieldNames(route.request?.query).map((field) => ({ route, place: 'query' as const, field })),
]);

/** The route's valid example with `field` set to the number text `value`, byte for byte. */
function withNumber({ route, place, field }: NumberField, value: string) {
  const example = exampleFor(route);
  const request = toRawRequest(route, example, keyFor(route, h.keys));
  if (place === 'query') {
    const query = new URLSearchParams({ ...example.query, [field]: value }).toString();
    return { ...request, path: `${request.path.split('?')[0]}?${query}` };
  }
  const marker = '"__number__"';
  const body = JSON.stringify({ ...(example.body as object), [field]: '__number__' }).replace(marker, value);
  return { ...request, body, headers: { ...request.headers, 'content-type': 'application/json' } };
}

describe('number extremes: every number field of every route', () => {
  it('finds the number fields the routes take', () => {
    // Assess: the workload's tokens and price, an override's shed, every page limit.
    const names = numberFields.map(({ route, field }) => `${route.operationId}.${field}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'submitWorkload.maxPriceUsd',
        'submitWorkload.inputTokens',
        'createOverride.shedKw',
        'listWorkloads.limit',
      ]),
    );
  });

  it.each(numberFields.map((f) => [`${routeName(f.route)} ${f.place}.${f.field}`, f] as const))(
    'refuses the extremes of %s with a 4xx naming the field',
    async (_name, numberField) => {
      const answers = [];
      for (const value of EXTREMES) {
        // Act
        const response = await h.send(withNumber(numberField, value));
        answers.push({
          value,
          status: response.status,
          shape: errorShapeProblem(response),
          named: issueFields(response).includes(numberField.field),
        });
      }

      // Assess
      expect(answers).toEqual(EXTREMES.map((value) => ({ value, status: 400, shape: undefined, named: true })));
    },
    60_000,
  );
});
