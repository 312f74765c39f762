import type { FieldIssue } from '../support/validation.js';
import type { AwardedProduct } from './awards.js';
import type { AncillaryRegistration } from './products.js';

/**
 * ERCOT awards a Load Resource, not a site: a QSE's award names the resource (its ERCOT name). The registry gives each
 * site's resources (products.ts `ercotResourceSchema`); this index maps a name back to the site and the device groups
 * the resource stands for. Pure.
 */

/** What the index needs of a registered site. */
export interface ResourceHolder {
  readonly id: string;
  readonly ancillary?: Pick<AncillaryRegistration, 'resources'>;
}

/** One registered resource: its site, the products it is qualified in, its groups (absent: every group). */
export interface RegisteredResource {
  readonly siteId: string;
  readonly products: readonly AwardedProduct[];
  readonly groupIds?: readonly string[];
}

/** Resource name → every site that registered it (more than one is a registry error the award mapping refuses). */
export type ResourceIndex = ReadonlyMap<string, readonly RegisteredResource[]>;

export function resourceIndex(sites: readonly ResourceHolder[]): ResourceIndex {
  const index = new Map<string, RegisteredResource[]>();
  for (const site of sites) {
    for (const r of site.ancillary?.resources ?? []) {
      const entry = { siteId: site.id, products: r.products, ...(r.groupIds ? { groupIds: r.groupIds } : {}) };
      index.set(r.name, [...(index.get(r.name) ?? []), entry]);
    }
  }
  return index;
}

/** The name of a site's resource carrying `product` (the first listed), or undefined. */
export function resourceFor(site: ResourceHolder, product: AwardedProduct): string | undefined {
  return site.ancillary?.resources?.find((r) => r.products.includes(product))?.name;
}

export type ResourceLookup =
  | { readonly ok: true; readonly resource: RegisteredResource }
  | {
      readonly ok: false;
      readonly rule: 'unknown_resource' | 'ambiguous_resource' | 'not_registered_product';
      readonly message: string;
    };

/** The registered resource an award names, for the product it is awarded in; or why it cannot be mapped. */
export function lookUpResource(index: ResourceIndex, name: string, product: AwardedProduct): ResourceLookup {
  const found = index.get(name) ?? [];
  if (found.length === 0) return { ok: false, rule: 'unknown_resource', message: `no site is registered as ${name}` };
  if (found.length > 1) {
    const sites = found.map((r) => r.siteId).join(', ');
    return {
      ok: false,
      rule: 'ambiguous_resource',
      message: `${name} is registered by ${found.length} sites (${sites})`,
    };
  }
  const resource = found[0]!;
  if (!resource.products.includes(product)) {
    return {
      ok: false,
      rule: 'not_registered_product',
      message: `${name} (${resource.siteId}) is registered for ${resource.products.join(', ')}, not ${product}`,
    };
  }
  return { ok: true, resource };
}

/**
 * The site's resource names another (not retired) site already registered: ERCOT names one Load Resource once, so
 * the registry refuses the second claim (`ancillary.resources[i].name`, `resource_taken`). Pure.
 */
export function resourceClashes(site: ResourceHolder, others: readonly ResourceHolder[]): FieldIssue[] {
  const owner = new Map<string, string>();
  for (const other of others) {
    if (other.id === site.id) continue;
    for (const r of other.ancillary?.resources ?? []) owner.set(r.name, other.id);
  }
  return (site.ancillary?.resources ?? []).flatMap((r, i) => {
    const taken = owner.get(r.name);
    return taken
      ? [{ field: `ancillary.resources[${i}].name`, rule: 'resource_taken', message: `${r.name} is ${taken}'s` }]
      : [];
  });
}
