import { z } from 'zod';
import { idSchema, nonNegative } from '../support/schema.js';

/**
 * The ancillary services a load resource (a site's miners) can sell in ERCOT, and the rules that decide what it may
 * offer. Each rule names the ERCOT source it comes from; the optimizer (core/optimizer/constraints/ancillary.ts) keeps
 * them, the plan carries the offers (`ancillaryOffers` on a site's plan), the gateway arms them (issue 25, item 3).
 *
 * Sources (ERCOT Nodal Protocols, Nodal Operating Guides and the revision requests that changed them):
 * - NP 3.18 (Resource Limits in Providing Ancillary Service): a Resource's AS responsibility is limited to the capacity
 *   it can deliver within the product's deployment time and sustain for the product's duration; NPRR1096 (market
 *   notice M-A093022, 2022-09-30) set those durations: ECRS two consecutive hours, Non-Spin four.
 * - NP 6.5.7.6.2.2 (Deployment of Responsive Reserve): Load Resources on high-set under-frequency relays (UFR) trip
 *   automatically when frequency falls to the relay set-point; NPRR735 (2015): their COP High Sustained Limit equals
 *   their expected consumption, so only load being consumed can be offered.
 * - NP 8.1.1.2 (General Capacity Testing Requirements) and 8.1.1.2.1.x (qualification tests per service): a Load
 *   Resource providing RRS through a UFR must interrupt within 30 cycles (0.5 s) of the set-point, which must not be
 *   below 59.70 Hz (Nodal Operating Guide §2.3.1.2; NPRR735 names the high-set relay).
 * - NP 6.5.7.6.2.4 (Deployment of ECRS), with NPRR1148: Load Resources that are not Controllable Load Resources
 *   deploy ECRS within a ten-minute ramp; NPRR863 created ECRS (launched 2023-06-10).
 * - NP 6.5.7.6.2.3 (Non-Spinning Reserve Service Deployment): deployed within 30 minutes; NPRR1093 (market notice
 *   M-A042122-01, 2022-04-21) let Load Resources provide Non-Spin, qualified up to their maximum interruptible load
 *   over the previous 180 days.
 * - NP 3.14.3 (Emergency Response Service) and its procurement 3.14.3.1: ERS-10 and ERS-30 are contracts for a Standard
 *   Contract Term and Time Periods, not hourly offers; a deployed ERS Load must be down within 10 (ERS-10) or 30
 *   (ERS-30) minutes and stay down until recalled, up to the obligation hours of the term (8 hours cumulative in the
 *   ERS Technical Requirements & Scope of Work); NPRR1106 allows deployment before an EEA when reserves run short.
 * Checked against ERCOT's published revision requests and notices: 3.18, 3.14.3, 6.5.7.6.2.4 (NPRR1148), NPRR735,
 * NPRR1093, NPRR1096 (ECRS 2 h, Non-Spin 4 h), NPRR1106. Not re-checked against the current Protocols text: the
 * section numbers 6.5.7.6.2.2/6.5.7.6.2.3 and NOG 2.3.1.2, the 59.70 Hz and 30-cycle figures, RRS's one hour and ERS's
 * 8 hours (the latter from the 2013 ERS documents).
 */

export const ANCILLARY_PRODUCTS = ['RRS-UFR', 'ECRS', 'NSPIN', 'ERS-10', 'ERS-30'] as const;
export const ancillaryProductSchema = z.enum(ANCILLARY_PRODUCTS);
export type AncillaryProduct = z.infer<typeof ancillaryProductSchema>;

/** The hourly products a Load Resource is awarded (ERS is a contract, not an award). */
export const AWARDED_PRODUCTS = ['RRS-UFR', 'ECRS', 'NSPIN'] as const;

/** The DAM/RTC products priced hourly (the AS price file's columns); ERS is a seasonal contract. */
export type MarketAncillaryProduct = Exclude<AncillaryProduct, 'ERS-10' | 'ERS-30'>;

export interface AncillaryProductRules {
  readonly product: AncillaryProduct;
  /** How it is sold: an hourly offer cleared in the DAM (and, since RTC+B, per SCED), or a seasonal ERS contract. */
  readonly market: 'hourly' | 'seasonal-contract';
  /** Time from the deployment instruction (or the frequency crossing) until the offered load must be gone. */
  readonly deploymentSeconds: number;
  /**
   * How long the offered load must stay down once deployed (the sustained duration the MW is limited to). Not an
   * optimizer constraint, and why none is needed for miners: NP 3.18 limits a Resource to what it can sustain for the
   * duration, which binds energy-limited Resources (storage); a Load Resource's sustained MW is load it stops drawing,
   * and a sleeping miner has no energy limit and no maximum off time in the site model. The optimizer offers only load
   * running in the interval it is offered for (constraints/ancillary.ts), so the MW is there to drop when deployed;
   * the gateway then holds the deployment until ERCOT recalls it, past the award's interval and through any price
   * release (iot-greengrass SwitchAgent ancillary.test.ts, "a deployment sustained for the product's minimum
   * duration"; with a meter the controller's demand-response limit likewise stands until the recall).
   */
  readonly minimumDurationHours: number;
  /** Only devices the gateway switches locally on a frequency crossing (no cloud round trip) may carry it. */
  readonly localTripOnly: boolean;
  /** The section(s) each rule above comes from. */
  readonly sources: readonly string[];
}

export const ANCILLARY_RULES: Readonly<Record<AncillaryProduct, AncillaryProductRules>> = {
  'RRS-UFR': {
    product: 'RRS-UFR',
    market: 'hourly',
    // 30 cycles at 60 Hz.
    deploymentSeconds: 0.5,
    // RRS from a Load Resource stays down until recalled; NPRR1096 sized RRS to one hour of sustained response.
    minimumDurationHours: 1,
    localTripOnly: true,
    sources: ['NP 3.18', 'NP 6.5.7.6.2.2', 'NP 8.1.1.2', 'NOG 2.3.1.2', 'NPRR735', 'NPRR1096'],
  },
  ECRS: {
    product: 'ECRS',
    market: 'hourly',
    deploymentSeconds: 10 * 60,
    minimumDurationHours: 2,
    localTripOnly: false,
    sources: ['NP 3.18', 'NP 6.5.7.6.2.4', 'NP 8.1.1.2', 'NPRR863', 'NPRR1096', 'NPRR1148'],
  },
  NSPIN: {
    product: 'NSPIN',
    market: 'hourly',
    deploymentSeconds: 30 * 60,
    minimumDurationHours: 4,
    localTripOnly: false,
    sources: ['NP 3.18', 'NP 6.5.7.6.2.3', 'NP 8.1.1.2', 'NPRR1093', 'NPRR1096'],
  },
  'ERS-10': {
    product: 'ERS-10',
    market: 'seasonal-contract',
    deploymentSeconds: 10 * 60,
    minimumDurationHours: 8,
    localTripOnly: false,
    sources: ['NP 3.14.3', 'NP 3.14.3.1', 'ERS Technical Requirements & Scope of Work', 'NPRR1106'],
  },
  'ERS-30': {
    product: 'ERS-30',
    market: 'seasonal-contract',
    deploymentSeconds: 30 * 60,
    minimumDurationHours: 8,
    localTripOnly: false,
    sources: ['NP 3.14.3', 'NP 3.14.3.1', 'ERS Technical Requirements & Scope of Work', 'NPRR1106'],
  },
};

/** A device group as the eligibility rule sees it (core/model/site.ts AsicGroup has these fields). */
export interface SheddableGroup {
  /** The gateway trips it at once on an under-frequency crossing. */
  readonly frequencyTrip: boolean;
  /** Seconds from a curtail command until the group draws its sleep power. */
  readonly sleepSeconds: number;
  /** A group the site cannot switch (monitoring-only firmware) sheds nothing. */
  readonly alwaysOn: boolean;
}

/**
 * Whether a device group's consumed load may back an offer of `product` (NP 3.18: only what can be delivered within
 * the deployment time): a UFR product only on groups the gateway trips locally; the others on groups that reach sleep
 * within the deployment time (a locally tripped group always does).
 */
export function groupMayCarry(product: AncillaryProduct, group: SheddableGroup): boolean {
  if (group.alwaysOn) return false;
  const rules = ANCILLARY_RULES[product];
  if (rules.localTripOnly) return group.frequencyTrip;
  return group.frequencyTrip || group.sleepSeconds <= rules.deploymentSeconds;
}

/**
 * One site's offer of one product for one interval, as the plan carries it: the MW offered (awarded at the clearing
 * price when the market takes it as a price-taker offer) and the clearing price the planner assumed.
 */
export const ancillaryOfferSchema = z.strictObject({
  product: ancillaryProductSchema,
  /** Start of the interval the offer covers, epoch ms. */
  intervalStartMs: z.number().int().nonnegative(),
  offeredMw: nonNegative,
  /** The capacity price the plan assumed, $/MW per hour (ERS: the contract's capacity payment). */
  assumedPriceUsdPerMwh: z.number().finite(),
});
export type AncillaryOffer = z.infer<typeof ancillaryOfferSchema>;

/** At most one offer per product and interval; a plan of 2016 intervals × 5 products. */
export const ancillaryOffersSchema = z
  .array(ancillaryOfferSchema)
  .max(2016 * ANCILLARY_PRODUCTS.length)
  .superRefine((offers, ctx) => {
    const seen = new Set<string>();
    offers.forEach((offer, i) => {
      const key = `${offer.product}@${offer.intervalStartMs}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `second offer for ${key}` });
      seen.add(key);
    });
  });

/** ERCOT's high-set relay range for a Load Resource providing RRS: at or above 59.70 Hz, below nominal. */
export const UFR_MIN_TRIP_HZ = 59.7;
export const UFR_MAX_TRIP_HZ = 59.99;

/**
 * What the registry says a site may sell: the products it is qualified for (NP 8.1.1.2) with the MW qualified, and
 * the relay set-point its under-frequency devices trip at. ERS contracts live in `gridPrograms` (their committed MW and
 * capacity payment are the contract).
 */
export const ancillaryQualificationSchema = z.strictObject({
  product: z.enum(AWARDED_PRODUCTS),
  /** The MW ERCOT qualified the site's Load Resource for in this product: no offer exceeds it. */
  maxOfferMw: z.number().finite(),
});
export type AncillaryQualification = z.infer<typeof ancillaryQualificationSchema>;

/**
 * One of the site's ERCOT Load Resources as ERCOT registered it: its name (the name a QSE's award carries), the
 * products it is qualified in, and the device groups it stands for (absent: every group that may carry the product).
 * A site registered as two resources (e.g. its relay-tripped groups for RRS, the rest for ECRS and Non-Spin) lists
 * both; each award is armed on its resource's groups only.
 */
export const ercotResourceSchema = z.strictObject({
  /** ERCOT resource names are upper-case letters, digits and underscores (at most 32 here). */
  name: z.string().regex(/^[A-Z0-9_]{1,32}$/, 'upper-case letters, digits and _ (1..32), as ERCOT registered it'),
  products: z.array(z.enum(AWARDED_PRODUCTS)).min(1).max(AWARDED_PRODUCTS.length),
  groupIds: z.array(idSchema).min(1).max(64).optional(),
});
export type ErcotResource = z.infer<typeof ercotResourceSchema>;

export const ancillaryRegistrationSchema = z.strictObject({
  qualifications: z.array(ancillaryQualificationSchema).max(3),
  /** The site's ERCOT Load Resources: every qualified product is some resource's (site-config.ts checks). */
  resources: z.array(ercotResourceSchema).max(16).optional(),
  /** The under-frequency relay set-point the gateway trips `frequencyTrip` groups at (RRS-UFR). */
  ufrTripHz: z.number().finite().optional(),
  /** Cycles (at 60 Hz) the relay waits below the set-point before tripping; ERCOT allows at most 30. @default 20 */
  ufrDelayCycles: z.number().finite().optional(),
});
export type AncillaryRegistration = z.infer<typeof ancillaryRegistrationSchema>;

/** The relay delay used when the registry gives none: well inside the 30-cycle limit. */
export const DEFAULT_UFR_DELAY_CYCLES = 20;
export const MAX_UFR_DELAY_CYCLES = 30;
