import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { toFieldIssues } from '../../core/support/validation.js';
import { errorBody, jsonResponse } from '../../functions/shared/http.js';
import type { Route } from '../local/api-gateway-adapter.js';
import { type IconPurpose, iconPng } from './dashboard-icons.js';
import { type InjectionRequest, type InjectionResult, injectionRequestSchema, UnknownSiteError } from './injections.js';

/** The dashboard's files and the chart library, by URL path: nothing else on disk is reachable. */
const DASHBOARD_DIR = path.resolve(process.cwd(), 'sim', 'dashboard');
const UPLOT_DIR = path.resolve(process.cwd(), 'node_modules', 'uplot', 'dist');
const JS = 'text/javascript; charset=utf-8';
const dashboardScript = (name: string) => ({ file: path.join(DASHBOARD_DIR, name), type: JS });
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(DASHBOARD_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/dom.js': dashboardScript('dom.js'),
  '/dashboard/app.js': dashboardScript('app.js'),
  '/dashboard/customer.js': dashboardScript('customer.js'),
  '/dashboard/charts.js': dashboardScript('charts.js'),
  '/dashboard/history.js': dashboardScript('history.js'),
  '/dashboard/kpis.js': dashboardScript('kpis.js'),
  '/dashboard/styles.css': { file: path.join(DASHBOARD_DIR, 'styles.css'), type: 'text/css; charset=utf-8' },
  // At the root, so the service worker's scope is the whole origin (a worker controls only paths under its own).
  '/sw.js': dashboardScript('sw.js'),
  '/manifest.webmanifest': {
    file: path.join(DASHBOARD_DIR, 'manifest.webmanifest'),
    type: 'application/manifest+json; charset=utf-8',
  },
  '/vendor/uplot.js': { file: path.join(UPLOT_DIR, 'uPlot.iife.min.js'), type: JS },
  '/vendor/uplot.css': { file: path.join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};
/** The manifest's icons, drawn in code (sim/platform/dashboard-icons.ts). */
const ICONS: Record<string, { sizePx: number; purpose: IconPurpose }> = {
  '/icons/icon-192.png': { sizePx: 192, purpose: 'any' },
  '/icons/icon-512.png': { sizePx: 512, purpose: 'any' },
  '/icons/maskable-512.png': { sizePx: 512, purpose: 'maskable' },
};

export interface LocalRoutesDeps {
  /** The observer's JSON (sim/platform/observer.ts). */
  readonly state: () => unknown;
  /**
   * What the views need to know: is the workloads API there, the demo keys, the URLs. `fromLoopback` says whether the
   * caller is on this machine: the operator's key goes only there (a phone on the LAN types it in).
   */
  readonly info: (fromLoopback: boolean) => unknown;
  readonly inject: (request: InjectionRequest) => Promise<InjectionResult>;
}

const staticHandler = (entry: { file: string; type: string }) => async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  // Read on each request so an edited page shows on reload; the files are small.
  headers: { 'content-type': entry.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
  body: readFileSync(entry.file, 'utf8'),
});

const iconHandler = (icon: { sizePx: number; purpose: IconPurpose }) => async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'content-type': 'image/png', 'cache-control': 'max-age=86400', 'x-content-type-options': 'nosniff' },
  body: iconPng(icon.sizePx, icon.purpose).toString('base64'),
  isBase64Encoded: true,
});

/** A caller on this machine (IPv4 or IPv6 loopback, or IPv4 mapped into IPv6). */
export function isLoopback(sourceIp: string | undefined): boolean {
  return sourceIp !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(sourceIp);
}

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
    ...Object.entries(ICONS).map(([resource, icon]) => ({
      method: 'GET',
      resource,
      handler: iconHandler(icon),
      public: true,
    })),
    {
      method: 'GET',
      resource: '/local/info',
      handler: async (event) => jsonResponse(200, deps.info(isLoopback(event.requestContext?.identity?.sourceIp))),
      public: true,
    },
    {
      method: 'POST',
      resource: '/local/inject',
      handler: (event) => handleInjection(event, deps.inject),
      public: true,
    },
  ];
}
