/**
 * The site lease of a multi-region deployment: one region at a time dispatches and switches a site. The lease lives
 * where writes are strongly consistent (the MRSC lease table, docs/REGIONS.md) with the site's command counter and its
 * fencing epoch; the gateways refuse a command from an epoch older than one they have accepted.
 *
 * Three rules keep a fenced-out region's commands from running:
 * 1. a region takes a lease held by another only once it expired, plus the clock skew margin;
 * 2. taking it raises the epoch, so once the new holder's first command reaches a gateway, every older one is refused;
 * 3. a command's `validUntil` never passes its lease's expiry: a command delayed past the takeover (before the new
 *    holder's first command reached the gateway) has already expired there.
 * Pure: the clock is the caller's.
 */

export interface SiteLease {
  readonly siteId: string;
  /** The region that dispatches the site. */
  readonly holder: string;
  /** Raised by every takeover; the command envelope's `epoch`. */
  readonly epoch: number;
  readonly expiresAtMs: number;
  /** The site's last command sequence number (the counter lives with the lease, strongly consistent). */
  readonly lastSeq: number;
}

export interface LeaseTiming {
  /** How long a taken or renewed lease lasts. */
  readonly ttlMs: number;
  /** How far the regions' clocks may disagree: a standby waits this long past the expiry it reads. */
  readonly skewMarginMs: number;
}

/**
 * 3 min: the keeper renews every minute (EventBridge Scheduler's shortest rate), so two missed renewals still hold it;
 * a standby takes a lost region's sites 3 min 5 s after its last renewal at the latest, plus up to a minute to run.
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 180_000, skewMarginMs: 5_000 };

export type LeaseDecision =
  | { readonly kind: 'renew'; readonly lease: SiteLease }
  | { readonly kind: 'take'; readonly lease: SiteLease }
  | { readonly kind: 'wait'; readonly holder: string; readonly freeAtMs: number };

/** What `region` may do with the site's lease at `nowMs`: the written lease is conditional on `current` unchanged. */
export function leaseDecision(
  siteId: string,
  current: SiteLease | undefined,
  region: string,
  nowMs: number,
  timing: LeaseTiming = DEFAULT_LEASE_TIMING,
): LeaseDecision {
  const expiresAtMs = nowMs + timing.ttlMs;
  if (!current) return { kind: 'take', lease: { siteId, holder: region, epoch: 1, expiresAtMs, lastSeq: 0 } };
  // The holder renews while its lease runs; once it lapsed, another region may already be waiting out the margin,
  // so the holder takes it again under a fresh epoch like anyone else (its commands of the old epoch have expired).
  if (current.holder === region && nowMs < current.expiresAtMs) {
    return { kind: 'renew', lease: { ...current, expiresAtMs } };
  }
  const freeAtMs = current.holder === region ? current.expiresAtMs : current.expiresAtMs + timing.skewMarginMs;
  if (nowMs < freeAtMs) return { kind: 'wait', holder: current.holder, freeAtMs };
  return { kind: 'take', lease: { ...current, holder: region, epoch: current.epoch + 1, expiresAtMs } };
}

/**
 * How long a command drawn under `lease` at `nowMs` may stay valid: its usual validity, cut at the lease's expiry.
 * Undefined when the lease is not `region`'s or has lapsed: the region must not command the site.
 */
export function commandValidityMs(
  lease: SiteLease | undefined,
  region: string,
  nowMs: number,
  usualMs: number,
): number | undefined {
  if (!lease || lease.holder !== region || nowMs >= lease.expiresAtMs) return undefined;
  return Math.min(usualMs, lease.expiresAtMs - nowMs);
}

/** How long a plan save may take after its lease check: the lease must run at least this much longer. */
export const PLAN_SAVE_WITHIN_MS = 10_000;

/**
 * Why `region` may not save a plan solved under `epoch` for the site at `nowMs`, or undefined when it may: it must still
 * hold the lease, unexpired, at the epoch it planned under. A plan solved before a takeover (even one the region took
 * back since) names setpoints another dispatcher may already have changed, so a changed epoch refuses it too.
 */
export function planFenceRefusal(
  lease: SiteLease | undefined,
  region: string,
  epoch: number,
  nowMs: number,
  saveWithinMs: number = PLAN_SAVE_WITHIN_MS,
): 'not-held' | 'expired' | 'epoch-changed' | undefined {
  if (!lease || lease.holder !== region) return 'not-held';
  // The save follows the check: the lease must outlast it (the other region takes it only after expiry + skew margin).
  if (nowMs + saveWithinMs >= lease.expiresAtMs) return 'expired';
  if (lease.epoch !== epoch) return 'epoch-changed';
  return undefined;
}

/**
 * Whether a region's table-stream consumers (the audit chainer, the router's early wake-up) should run, from what its
 * lease keeper just did: on while it holds a site's lease (it dispatches, so it chains and routes), off once every
 * site is held elsewhere (the replica stream repeats the holder's writes), unchanged with no site at all.
 */
export function streamConsumersWanted(heldSites: number, sitesHeldElsewhere: number): boolean | undefined {
  if (heldSites > 0) return true;
  return sitesHeldElsewhere > 0 ? false : undefined;
}
