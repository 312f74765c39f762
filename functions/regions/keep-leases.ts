import { type LeaseDecision, streamConsumersWanted } from '../../core/switching/lease.js';

/**
 * The lease keeper of one region, run every minute: renews the leases it holds, takes those that expired (after the
 * skew margin), and leaves the rest. Only the primary creates a lease that does not exist yet, so a new site starts
 * on the primary rather than on whichever keeper ran first.
 */
export interface LeaseKeeperPorts {
  /** Every registered site (the registry, in the regional table). */
  siteIds(): Promise<readonly string[]>;
  keep(siteId: string, options: { readonly mayCreate: boolean }): Promise<LeaseDecision>;
  /**
   * This region's table-stream consumers (event source mappings): switched on when it holds a lease, off when the
   * other region holds them all (streamConsumersWanted); returns how many mappings it changed. @default none
   */
  streamConsumers?: { setEnabled(enabled: boolean): Promise<number> };
}

export interface KeepLeasesResult {
  readonly renewed: number;
  readonly taken: readonly string[];
  readonly waiting: number;
  /** What the run asked of the stream consumers, and how many mappings that changed. */
  readonly streamConsumers?: { readonly enabled: boolean; readonly changed: number };
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
  const enabled = streamConsumersWanted(renewed + taken.length, waiting);
  if (enabled === undefined || !ports.streamConsumers) return { renewed, taken, waiting };
  const changed = await ports.streamConsumers.setEnabled(enabled);
  return { renewed, taken, waiting, streamConsumers: { enabled, changed } };
}
