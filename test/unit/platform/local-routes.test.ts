import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type InjectionRequest, UnknownSiteError } from '../../../sim/platform/injections.js';
import { handleInjection } from '../../../sim/platform/local-routes.js';

const event = (body: string | null) =>
  ({ body, requestContext: { requestId: 'req-1' } }) as unknown as Pick<
    APIGatewayProxyEvent,
    'body' | 'requestContext'
  >;

const accepted = async (request: InjectionRequest) => ({
  kind: request.kind,
  siteIds: request.siteIds ?? ['site-west-1'],
  from: '2025-01-13T06:00:00.000Z',
  until: '2025-01-13T06:30:00.000Z',
});

describe('POST /local/inject', () => {
  it('accepts a valid injection with 202 and its window', async () => {
    const response = await handleInjection(event('{"kind":"price-spike","priceUsdPerMwh":900}'), accepted);
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ kind: 'price-spike', until: '2025-01-13T06:30:00.000Z' });
  });

  it.each([
    ['not json', 'body: must be a JSON object'],
    ['{"kind":"price-spike","priceUsdPerMwh":"high"}', 'priceUsdPerMwh:'],
    ['{"kind":"price-spike","priceUsdPerMwh":900,"durationMinutes":99999}', 'durationMinutes:'],
  ])('answers 400 naming the field for %s', async (body, message) => {
    const response = await handleInjection(event(body), accepted);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toContain(message);
  });

  it('answers 400 naming siteIds for an unknown site, not 500', async () => {
    const response = await handleInjection(event('{"kind":"under-frequency","siteIds":["site-x"]}'), async () => {
      throw new UnknownSiteError('site-x');
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.issues[0]).toMatchObject({ field: 'siteIds' });
  });
});
