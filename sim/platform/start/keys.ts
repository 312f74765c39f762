import type { Role } from '../../../core/api/principal.js';
import type { ApiRoute } from '../../../functions/api/route.js';
import type { DemoTenant } from '../../local/api-routes.js';

/** The roles the banner prints a key for, in the order a new user would try them. */
const PRINTED_ROLES: readonly { readonly role: Role; readonly key: keyof DemoTenant }[] = [
  { role: 'customer-user', key: 'apiKey' },
  { role: 'customer-admin', key: 'customerAdminApiKey' },
  { role: 'operator', key: 'operatorApiKey' },
  { role: 'admin', key: 'adminApiKey' },
];

/** The route families (`/v1/workloads`, `/v1/webhook`, …) a role may call, from the route table: what each key is for. */
export function routeFamiliesOf(role: Role, routes: readonly ApiRoute[]): string[] {
  const families = routes
    .filter((route) => route.roles !== 'public' && route.roles.includes(role))
    .map((route) => route.resource.split('/').slice(0, 3).join('/'));
  return [...new Set(families)];
}

/** One banner line per demo key: its role, its secret and the routes it may call (`npm start` prints them). */
export function demoKeyLines(demo: DemoTenant, routes: readonly ApiRoute[]): string[] {
  return PRINTED_ROLES.map(({ role, key }) => {
    const tenant = role.startsWith('customer') ? `tenant ${demo.tenantId}` : 'platform';
    return `${role.padEnd(15)}${demo[key]}  (${tenant}: ${routeFamiliesOf(role, routes).join(', ')})`;
  });
}
