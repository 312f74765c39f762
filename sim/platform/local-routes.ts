import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { toFieldIssues } from '../../core/support/validation.js';
import { errorBody, jsonResponse } from '../../functions/shared/http.js';
import type { Route } from '../local/api-gateway-adapter.js';
import { type InjectionRequest, type InjectionResult, injectionRequestSchema, UnknownSiteError } from './injections.js';

/** The dashboard's files and the chart library, by URL path: nothing else on disk is reachable. */
const DASHBOARD_DIR = path.resolve(process.cwd(), 'sim', 'dashboard');
const UPLOT_DIR = path.resolve(process.cwd(), 'node_modules', 'uplot', 'dist');
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(DASHBOARD_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/dom.js': { file: path.join(DASHBOARD_DIR, 'dom.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.js': { file: path.join(DASHBOARD_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/customer.js': { file: path.join(DASHBOARD_DIR, 'customer.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/charts.js': { file: path.join(DASHBOARD_DIR, 'charts.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/styles.css': { file: path.join(DASHBOARD_DIR, 'styles.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': { file: path.join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: path.join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export interface LocalRoutesDeps {
  /** The observer's JSON (sim/platform/observer.ts). */
  readonly state: () => unknown;
  /** What the customer view needs to know: is the workloads API there, the demo key, the URLs. */
  readonly info: () => unknown;
  readonly inject: (request: InjectionRequest) => Promise<InjectionResult>;
}

const staticHandler = (entry: { file: string; type: string }) => async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  // Read on each request so an edited page shows on reload; the files are small.
  headers: { 'content-type': entry.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  body: readFileSync(entry.file, 'utf8'),
});

/** POST /local/inject: a bad body is a 400 naming the field, an unknown site too. */
export async function handleInjection(
  event: Pick<APIGatewayProxyEvent, 'body' | 'requestContext'>,
  inject: LocalRoutesDeps['inject'],
): Promise<APIGatewayProxyResult> {
  const requestId = event.requestContext?.requestId;
  let json: unknown;
  try {
    json = JSON.parse(event.body ?? '');
  } catch {
    return jsonResponse(400, errorBody('InvalidJson', 'body: must be a JSON object', requestId));
  }
  const parsed = injectionRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error);
    return jsonResponse(
      400,
      errorBody('ValidationError', `${issues[0]!.field}: ${issues[0]!.message}`, requestId, issues),
    );
  }
  try {
    return jsonResponse(202, await inject(parsed.data));
  } catch (error) {
    if (!(error instanceof UnknownSiteError)) throw error;
    return jsonResponse(
      400,
      errorBody('ValidationError', error.message, requestId, [
        { field: 'siteIds', rule: 'unknown_site', message: error.message },
      ]),
    );
  }
}

/** The local platform's own routes beside /v1: the dashboard (public, same origin as the API) and its JSON. */
export function localRoutes(deps: LocalRoutesDeps): Route[] {
  return [
    ...Object.entries(STATIC_FILES).map(([resource, entry]) => ({
      method: 'GET',
      resource,
      handler: staticHandler(entry),
      public: true,
    })),
    { method: 'GET', resource: '/local/state', handler: async () => jsonResponse(200, deps.state()), public: true },
    { method: 'GET', resource: '/local/info', handler: async () => jsonResponse(200, deps.info()), public: true },
    {
      method: 'POST',
      resource: '/local/inject',
      handler: (event) => handleInjection(event, deps.inject),
      public: true,
    },
  ];
}
