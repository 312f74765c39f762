import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalAuthorizer, Route } from '../local/api-gateway-adapter.js';
import { createLocalApi, type DemoTenant } from '../local/api-routes.js';

/**
 * The API behind the local adapter: the customer/admin route table with its authorizer (sim/local/api-routes.ts) and,
 * once that module exists, the operator routes (functions/api/operator/routes.ts). The operator module is imported by
 * path at run time, so the platform compiles and runs with or without it and says which parts are there.
 */
export type { DemoTenant };

export interface LocalApi {
  readonly routes: readonly Route[];
  readonly authorizer: LocalAuthorizer;
  readonly demo: DemoTenant;
  /** Which parts are there; the dashboard and the banner show the rest as not built. */
  readonly available: { readonly workloads: boolean; readonly operator: boolean; readonly openapi?: string };
}

interface OperatorRoute {
  readonly method: string;
  readonly resource: string;
  readonly roles: readonly string[] | 'public';
  readonly load: () => Promise<Route['handler']>;
}

const moduleFile = (relative: string) => path.resolve(process.cwd(), relative);

async function importIfPresent<T>(relative: string): Promise<T | undefined> {
  const file = moduleFile(relative);
  if (!existsSync(file)) return undefined;
  return (await import(file)) as T;
}

/** The customer/admin API with its demo tenant, plus the operator routes when their module exists. */
export async function loadLocalApi(tableName: string, client: DynamoDBDocumentClient): Promise<LocalApi> {
  const api = createLocalApi({ tableName, client });
  const routes: Route[] = [...api.routes];
  const operator = await importIfPresent<{ operatorRoutes: readonly OperatorRoute[] }>(
    'functions/api/operator/routes.ts',
  );
  for (const route of operator?.operatorRoutes ?? []) {
    // The route table may already carry the operator routes; one handler per method and resource.
    if (routes.some((r) => r.method === route.method && r.resource === route.resource)) continue;
    routes.push({
      method: route.method,
      resource: route.resource,
      handler: await route.load(),
      public: route.roles === 'public',
    });
  }
  return {
    routes,
    authorizer: api.authorizer,
    demo: await api.seedDemoTenant(),
    available: {
      workloads: routes.some((r) => r.resource === '/v1/workloads'),
      operator: routes.some((r) => r.resource === '/v1/sites/{siteId}'),
      ...openapiRoute(routes),
    },
  };
}

function openapiRoute(routes: readonly Route[]): { openapi?: string } {
  const route = routes.find((r) => r.method === 'GET' && /openapi/i.test(r.resource));
  return route ? { openapi: route.resource } : {};
}
