import {
  ANCILLARY_PRODUCTS,
  ANCILLARY_RULES,
  ancillaryOffersSchema,
  groupMayCarry,
} from '../../../core/ancillary/products.js';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import {
  type SiteConfig,
  siteConfigShapeSchema,
  siteConfigViolations,
  siteModelOf,
} from '../../../core/fleet/site-config.js';
import { sitePlanSchema } from '../../../core/model/plan.js';

const WEST = referenceSiteConfigs[0]!;
const withAncillary = (ancillary: SiteConfig['ancillary'], tripGroup = true): SiteConfig => ({
  ...WEST,
  asicGroups: WEST.asicGroups.map((g, i) => ({ ...g, frequencyTrip: tripGroup && i === 0 })),
  ancillary,
});
const fields = (config: SiteConfig) => siteConfigViolations(config).map((i) => `${i.field}:${i.rule}`);

describe('the ancillary products a load resource can sell', () => {
  it('gives every product a deployment time, a duration and the ERCOT sections its rules come from', () => {
    // Assess
    for (const product of ANCILLARY_PRODUCTS) {
      const rules = ANCILLARY_RULES[product];
      expect(rules.deploymentSeconds).toBeGreaterThan(0);
      expect(rules.minimumDurationHours).toBeGreaterThan(0);
      expect(rules.sources.some((s) => s.startsWith('NP '))).toBe(true);
    }
    expect(ANCILLARY_RULES['RRS-UFR'].deploymentSeconds).toBe(0.5);
    expect(ANCILLARY_RULES.ECRS.deploymentSeconds).toBe(600);
    expect(ANCILLARY_RULES.NSPIN.deploymentSeconds).toBe(1800);
  });

  it('lets only locally tripped groups carry UFR, and slow sleepers only the slower products', () => {
    // Prepare
    const local = { frequencyTrip: true, sleepSeconds: 900, alwaysOn: false };
    const slow = { frequencyTrip: false, sleepSeconds: 900, alwaysOn: false };
    const fixed = { frequencyTrip: true, sleepSeconds: 5, alwaysOn: true };
    // Assess
    expect(ANCILLARY_PRODUCTS.map((p) => groupMayCarry(p, local))).toEqual([true, true, true, true, true]);
    expect(ANCILLARY_PRODUCTS.map((p) => groupMayCarry(p, slow))).toEqual([false, false, true, false, true]);
    expect(ANCILLARY_PRODUCTS.some((p) => groupMayCarry(p, fixed))).toBe(false);
  });

  it('refuses a second offer of the same product for the same interval', () => {
    // Act
    const result = ancillaryOffersSchema.safeParse([
      { product: 'ECRS', intervalStartMs: 0, offeredMw: 1, assumedPriceUsdPerMwh: 2 },
      { product: 'ECRS', intervalStartMs: 0, offeredMw: 2, assumedPriceUsdPerMwh: 2 },
    ]);
    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([1]);
  });

  it('parses a site plan with offers and one without (plans made before the co-optimised planner)', () => {
    // Prepare
    const interval = { startsAt: '2025-01-01T00:00:00Z', asicGroups: [], gpuPools: [], sitePowerKw: 1 };
    const plan = { siteId: 'site-a', intervals: [interval], ladder: [] };
    const offers = [{ product: 'NSPIN', intervalStartMs: 1, offeredMw: 0.5, assumedPriceUsdPerMwh: 3 }];
    // Assess
    expect(sitePlanSchema.parse(plan).ancillaryOffers).toBeUndefined();
    expect(sitePlanSchema.parse({ ...plan, ancillaryOffers: offers }).ancillaryOffers).toEqual(offers);
    expect(sitePlanSchema.safeParse({ ...plan, ancillaryOffers: [{ ...offers[0], offeredMw: -1 }] }).success).toBe(
      false,
    );
  });
});

describe('the registry record of a site qualified for ancillary services', () => {
  it('passes a qualified site and hands the registration to the site model', () => {
    // Prepare
    const config = withAncillary({
      qualifications: [
        { product: 'RRS-UFR', maxOfferMw: 2 },
        { product: 'ECRS', maxOfferMw: 3 },
      ],
      resources: [
        { name: 'HCP_WEST_UFR1', products: ['RRS-UFR'], groupIds: ['west-s21-a'] },
        { name: 'HCP_WEST_LR1', products: ['ECRS'] },
      ],
      ufrTripHz: 59.7,
    });
    // Assess
    expect(siteConfigViolations(config)).toEqual([]);
    expect(siteModelOf(config).ancillary?.qualifications.map((q) => q.product)).toEqual(['RRS-UFR', 'ECRS']);
  });

  it.each([
    [
      { qualifications: [{ product: 'ECRS' as const, maxOfferMw: 0 }] },
      'ancillary.qualifications[0].maxOfferMw:positive',
    ],
    [
      { qualifications: [{ product: 'ECRS' as const, maxOfferMw: 1e6 }] },
      'ancillary.qualifications[0].maxOfferMw:exceeds_interconnect_limit',
    ],
    [
      {
        qualifications: [
          { product: 'NSPIN' as const, maxOfferMw: 1 },
          { product: 'NSPIN' as const, maxOfferMw: 1 },
        ],
      },
      'ancillary.qualifications[1].product:duplicate_product',
    ],
    [{ qualifications: [{ product: 'RRS-UFR' as const, maxOfferMw: 1 }] }, 'ancillary.ufrTripHz:required'],
    [
      { qualifications: [{ product: 'RRS-UFR' as const, maxOfferMw: 1 }], ufrTripHz: 59.5 },
      'ancillary.ufrTripHz:range',
    ],
    [{ qualifications: [], ufrTripHz: 59.8, ufrDelayCycles: 45 }, 'ancillary.ufrDelayCycles:range'],
    [{ qualifications: [{ product: 'ECRS' as const, maxOfferMw: 1 }] }, 'ancillary.resources:missing_resource'],
    [
      { qualifications: [], resources: [{ name: 'HCP_WEST_LR1', products: ['NSPIN' as const] }] },
      'ancillary.resources[0].products[0]:not_qualified',
    ],
    [
      {
        qualifications: [{ product: 'ECRS' as const, maxOfferMw: 1 }],
        resources: [
          { name: 'HCP_WEST_LR1', products: ['ECRS' as const] },
          { name: 'HCP_WEST_LR1', products: ['ECRS' as const] },
        ],
      },
      'ancillary.resources[1].name:duplicate_resource',
    ],
    [
      {
        qualifications: [{ product: 'ECRS' as const, maxOfferMw: 1 }],
        resources: [{ name: 'HCP_WEST_LR1', products: ['ECRS' as const], groupIds: ['east-s9-a'] }],
      },
      'ancillary.resources[0].groupIds[0]:unknown_group',
    ],
    [
      {
        qualifications: [{ product: 'RRS-UFR' as const, maxOfferMw: 1 }],
        resources: [{ name: 'HCP_WEST_UFR1', products: ['RRS-UFR' as const], groupIds: ['west-s19xp-a'] }],
        ufrTripHz: 59.7,
      },
      'ancillary.resources[0].groupIds[0]:not_frequency_trip',
    ],
  ])('names the field a bad registration breaks (%#)', (ancillary, expected) => {
    // Assess
    expect(fields(withAncillary(ancillary))).toContain(expected);
  });

  it('refuses RRS-UFR on a site with no group the gateway trips locally', () => {
    // Act
    const found = fields(
      withAncillary(
        {
          qualifications: [{ product: 'RRS-UFR', maxOfferMw: 1 }],
          resources: [{ name: 'HCP_WEST_LR1', products: ['RRS-UFR'] }],
          ufrTripHz: 59.7,
        },
        false,
      ),
    );
    // Assess
    expect(found).toEqual(['ancillary.qualifications:no_frequency_trip_group']);
  });

  it('refuses a resource name ERCOT would not have registered, by the shape', () => {
    // Prepare
    const config = withAncillary({
      qualifications: [{ product: 'ECRS', maxOfferMw: 1 }],
      resources: [{ name: 'hcp west', products: ['ECRS'] }],
    });
    // Act
    const parsed = siteConfigShapeSchema.safeParse(config);
    // Assess
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['ancillary.resources.0.name']);
  });
});
