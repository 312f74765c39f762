import type { LeaseDecision } from '../../core/switching/lease.js';

/**
 * The lease keeper of one region, run every minute: renews the leases it holds, takes those that expired (after the
 * skew margin), and leaves the rest. Only the primary creates a lease that does not exist yet, so a new site starts
 * on the primary rather than on whichever keeper ran first.
 */
export interface LeaseKeeperPorts {
  /** Every registered site (the registry, in the regional table). */
  siteIds(): Promise<readonly string[]>;
  keep(siteId: string, options: { readonly mayCreate: boolean }): Promise<LeaseDecision>;
}

export interface KeepLeasesResult {
  readonly renewed: number;
  readonly taken: readonly string[];
  readonly waiting: number;
}

export async function keepLeases(ports: LeaseKeeperPorts, isPrimary: boolean): Promise<KeepLeasesResult> {
  const taken: string[] = [];
  let renewed = 0;
  let waiting = 0;
  for (const siteId of await ports.siteIds()) {
    const decision = await ports.keep(siteId, { mayCreate: isPrimary });
    if (decision.kind === 'take') taken.push(siteId);
    else if (decision.kind === 'renew') renewed++;
    else waiting++;
  }
  return { renewed, taken, waiting };
}
