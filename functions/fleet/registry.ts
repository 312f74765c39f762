import { resourceClashes } from '../../core/ancillary/resources.js';
import {
  type AsicGroupConfig,
  type GpuPoolConfig,
  gatewayConfigFor,
  gatewayThingNameOf,
  type SiteConfig,
  siteConfigViolations,
} from '../../core/fleet/site-config.js';
import type { Clock } from '../../core/support/clock.js';
import type { FieldIssue } from '../../core/support/validation.js';
import type { TransactItem } from '../shared/data/dynamo-helpers.js';
import {
  RegistryConflict,
  type SiteLifecycle,
  type SiteRecord,
  type SiteRegistryStore,
} from '../shared/data/site-registry-store.js';
import type { SiteConfigPublisher } from './ports.js';

/** What stops a site from being retired now; empty strings are never returned. */
export interface RetireBlockers {
  /** Why the site cannot be retired yet (`3 jobs queued at the site`, `a switch is in flight (commanded)`). */
  blocking(siteId: string): Promise<string[]>;
}

export interface RegistryDeps {
  readonly store: SiteRegistryStore;
  readonly publisher: SiteConfigPublisher;
  readonly blockers: RetireBlockers;
  readonly clock: Clock;
  /**
   * The change's audit event as writes for the registry's own transaction (the API's auditWrites), built for the
   * record about to be stored; `committed` once it is. @default none: the caller audits
   */
  readonly audit?: (record: SiteRecord) => { readonly items: readonly TransactItem[]; committed(): void };
}

/** A refused registry change, as the API answers it: 404, 409 (state), 412 (If-Match), 422 (rules). */
export class RegistryRefused extends Error {
  override readonly name = 'RegistryRefused';
  constructor(
    readonly status: 404 | 409 | 412 | 422,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** How often a change is retried when another site's change took the version it wanted. */
const MAX_ATTEMPTS = 5;

interface Change {
  readonly siteId: string;
  readonly action: string;
  readonly by: string;
  /** The ETag the caller read (If-Match); a change to a record that moved since is refused with 412. */
  readonly ifMatch?: number;
  /** The record after the change, from the one stored (undefined: the site is new). */
  apply(current: SiteRecord | undefined): { readonly config: SiteConfig; readonly status: SiteLifecycle };
}

/**
 * Makes one registry change: reads the version and the site, applies the change, checks the rules, stores it as the
 * next version (atomically with the version counter and the history item), and publishes the site's gateway
 * configuration. A concurrent change to another site only moves the version: the change is re-applied on top.
 */
export async function changeSite(deps: RegistryDeps, change: Change): Promise<SiteRecord> {
  for (let attempt = 1; ; attempt += 1) {
    const [version, current] = await Promise.all([deps.store.version(), deps.store.get(change.siteId)]);
    if (change.ifMatch !== undefined && current?.registryVersion !== change.ifMatch) {
      throw new RegistryRefused(
        412,
        'precondition-failed',
        `site ${change.siteId} is at version ${current?.registryVersion ?? 'none'}, not ${change.ifMatch} (If-Match): read it again`,
      );
    }
    const next = change.apply(current);
    const issues = [...siteConfigViolations(next.config), ...(await claimedElsewhere(deps.store, next.config))];
    if (issues.length > 0) {
      throw new RegistryRefused(
        422,
        'registry-rule-broken',
        `refused: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    const nowIso = new Date(deps.clock.nowMs()).toISOString();
    const record: SiteRecord = {
      config: next.config,
      status: next.status,
      registryVersion: version + 1,
      createdAt: current?.createdAt ?? nowIso,
      updatedAt: nowIso,
      updatedBy: change.by,
    };
    const audited = deps.audit?.(record);
    try {
      await deps.store.write(
        { registryVersion: record.registryVersion, siteId: change.siteId, action: change.action, record },
        current?.registryVersion,
        audited?.items,
      );
      audited?.committed();
    } catch (error) {
      if (error instanceof RegistryConflict && attempt < MAX_ATTEMPTS) continue;
      if (error instanceof RegistryConflict) {
        throw new RegistryRefused(409, 'registry-busy', `the registry kept moving: ${error.message}; try again`);
      }
      throw error;
    }
    if (record.status !== 'retired') {
      await deps.publisher.publish(
        gatewayThingNameOf(record.config),
        gatewayConfigFor(record.config, record.registryVersion),
      );
    }
    return record;
  }
}

/**
 * The ERCOT resource names of `config` another live site registered. Read inside the change's attempt: a concurrent
 * change moves the registry version, so this change is re-applied and checked again (no two sites claim one name).
 */
async function claimedElsewhere(store: SiteRegistryStore, config: SiteConfig): Promise<FieldIssue[]> {
  if (!config.ancillary?.resources?.length) return [];
  const live = (await store.list()).filter((r) => r.status !== 'retired').map((r) => r.config);
  return resourceClashes(config, live);
}

const notFound = (siteId: string) => new RegistryRefused(404, 'not-found', `site ${siteId} not found`);

/** The stored record, or 404; a retired site refuses every change but reading it (409). */
function live(siteId: string, current: SiteRecord | undefined): SiteRecord {
  if (!current) throw notFound(siteId);
  if (current.status === 'retired') {
    throw new RegistryRefused(409, 'site-retired', `site ${siteId} is retired`, [
      { field: 'siteId', rule: 'retired', message: 'a retired site cannot change' },
    ]);
  }
  return current;
}

export function createSite(deps: RegistryDeps, config: SiteConfig, by: string): Promise<SiteRecord> {
  return changeSite(deps, {
    siteId: config.id,
    action: 'site.create',
    by,
    apply(current) {
      if (current) {
        throw new RegistryRefused(409, 'site-exists', `site ${config.id} exists (${current.status})`, [
          { field: 'id', rule: 'unique', message: `site ${config.id} is already registered` },
        ]);
      }
      return { config, status: 'active' };
    },
  });
}

/** The site fields a PATCH may set; groups change through their own routes. */
export type SiteFieldsPatch = Partial<Omit<SiteConfig, 'id' | 'asicGroups' | 'gpuPools'>>;

export function updateSite(
  deps: RegistryDeps,
  siteId: string,
  patch: SiteFieldsPatch,
  by: string,
  ifMatch?: number,
): Promise<SiteRecord> {
  return changeSite(deps, {
    siteId,
    action: 'site.update',
    by,
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    apply(current) {
      const site = live(siteId, current);
      return { config: { ...site.config, ...patch }, status: site.status };
    },
  });
}

type GroupKind = 'asicGroups' | 'gpuPools';
type GroupOf<K extends GroupKind> = K extends 'asicGroups' ? AsicGroupConfig : GpuPoolConfig;

/** Adds (no `groupId` match), replaces fields of, or removes one ASIC group or GPU pool. */
export function changeGroup<K extends GroupKind>(
  deps: RegistryDeps,
  request: {
    readonly siteId: string;
    readonly kind: K;
    readonly groupId: string;
    readonly by: string;
    readonly ifMatch?: number;
    /** `add`: `group` is the whole group; `update`: fields to set; `retire`: removed. */
    readonly op: 'add' | 'update' | 'retire';
    readonly group?: Partial<GroupOf<K>>;
  },
): Promise<SiteRecord> {
  const { siteId, kind, groupId, op } = request;
  const noun = kind === 'asicGroups' ? 'ASIC group' : 'GPU pool';
  return changeSite(deps, {
    siteId,
    action: `site.${kind === 'asicGroups' ? 'asic-group' : 'gpu-pool'}.${op}`,
    by: request.by,
    ...(request.ifMatch !== undefined ? { ifMatch: request.ifMatch } : {}),
    apply(current) {
      const site = live(siteId, current);
      const groups = site.config[kind] as Array<GroupOf<K>>;
      const index = groups.findIndex((g) => g.id === groupId);
      if (op === 'add' && index >= 0) {
        throw new RegistryRefused(409, 'group-exists', `${noun} ${groupId} exists at site ${siteId}`, [
          { field: 'id', rule: 'unique', message: `${noun} ${groupId} is already registered` },
        ]);
      }
      if (op !== 'add' && index < 0)
        throw new RegistryRefused(404, 'not-found', `${noun} ${groupId} not found at site ${siteId}`);
      const next =
        op === 'add'
          ? [...groups, { ...request.group, id: groupId } as GroupOf<K>]
          : op === 'update'
            ? groups.map((g, i) => (i === index ? ({ ...g, ...request.group, id: groupId } as GroupOf<K>) : g))
            : groups.filter((_, i) => i !== index);
      return { config: { ...site.config, [kind]: next }, status: site.status };
    },
  });
}

/** Moves a live site to `status` as one registry change. */
function changeStatus(deps: RegistryDeps, siteId: string, status: SiteLifecycle, by: string, ifMatch?: number) {
  return changeSite(deps, {
    siteId,
    action: `site.${status === 'draining' ? 'drain' : 'retire'}`,
    by,
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    apply(current) {
      return { config: live(siteId, current).config, status };
    },
  });
}

/** Drain: the site stays planned, the router sends it no new work; retire comes once its queue is empty. */
export function drainSite(deps: RegistryDeps, siteId: string, by: string, ifMatch?: number): Promise<SiteRecord> {
  return changeStatus(deps, siteId, 'draining', by, ifMatch);
}

/** Retire a drained site with nothing queued and no switch in flight: it leaves the plans from the next dispatch. */
export async function retireSite(
  deps: RegistryDeps,
  siteId: string,
  by: string,
  ifMatch?: number,
): Promise<SiteRecord> {
  const current = live(siteId, await deps.store.get(siteId));
  if (current.status !== 'draining') {
    throw new RegistryRefused(409, 'not-drained', `site ${siteId} must be drained before it is retired`, [
      {
        field: 'status',
        rule: 'drain_first',
        message: `is ${current.status}; POST /v1/fleet/sites/${siteId}/drain first`,
      },
    ]);
  }
  const blocking = await deps.blockers.blocking(siteId);
  if (blocking.length > 0) {
    throw new RegistryRefused(
      409,
      'retire-blocked',
      `site ${siteId} cannot be retired yet: ${blocking.join('; ')}`,
      blocking.map((message) => ({ field: 'siteId', rule: 'blocked', message })),
    );
  }
  // Retire only the record checked above: a change in between (undrained, resized) makes this a 412.
  return changeStatus(deps, siteId, 'retired', by, ifMatch ?? current.registryVersion);
}
