import fc from 'fast-check';
import { armAward, devicesCovering, withArmedOrder } from '../../../core/ancillary/arming.js';
import {
  type Award,
  awardAtClearingPrice,
  awardRevenueUsd,
  awardSchema,
  awardsHeldAfter,
  awardsInForce,
} from '../../../core/ancillary/awards.js';
import type { AncillaryOffer } from '../../../core/ancillary/products.js';
import { resourceIndex } from '../../../core/ancillary/resources.js';
import { commandSchema } from '../../../core/messages/command.js';
import type { Plan } from '../../../core/model/plan.js';
import { buildArmCommand, switchFlowInputSchema } from '../../../core/switching/command.js';
import { awardsFromQseMessage } from '../../../functions/ancillary/adapters/qse-award-feed.js';
import { armPlanAwards, receiveAwardBatch } from '../../../functions/ancillary/receive-awards.js';

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const SITE = 'site-west-1';

const award = (over: Partial<Award> = {}): Award => ({
  siteId: SITE,
  product: 'ECRS',
  intervalStartMs: T0,
  intervalEndMs: T0 + HOUR_MS,
  awardedMw: 2,
  clearingPriceUsdPerMwh: 10,
  ...over,
});

describe('awards at the clearing price (the local and backtest adapter)', () => {
  it('awards each hourly offer with MW in full at its interval’s clearing price, and nothing without a price', () => {
    // Prepare
    const offers: AncillaryOffer[] = [
      { product: 'ECRS', intervalStartMs: T0, offeredMw: 2, assumedPriceUsdPerMwh: 9 },
      { product: 'RRS-UFR', intervalStartMs: T0, offeredMw: 0, assumedPriceUsdPerMwh: 9 },
      { product: 'NSPIN', intervalStartMs: T0 + HOUR_MS, offeredMw: 1.5, assumedPriceUsdPerMwh: 3 },
      { product: 'ERS-10', intervalStartMs: T0, offeredMw: 5, assumedPriceUsdPerMwh: 12 },
      { product: 'ECRS', intervalStartMs: T0 + 2 * HOUR_MS, offeredMw: 2, assumedPriceUsdPerMwh: 9 },
    ];
    const prices = new Map([
      [`ECRS@${T0}`, 14.5],
      [`NSPIN@${T0 + HOUR_MS}`, 2.25],
    ]);

    // Act
    const awards = awardAtClearingPrice(SITE, offers, (p, at) => prices.get(`${p}@${at}`), HOUR_MS);

    // Assess: zero MW, the ERS contract and the unpriced interval are not awarded.
    expect(awards).toEqual([
      award({ awardedMw: 2, clearingPriceUsdPerMwh: 14.5 }),
      award({
        product: 'NSPIN',
        intervalStartMs: T0 + HOUR_MS,
        intervalEndMs: T0 + 2 * HOUR_MS,
        awardedMw: 1.5,
        clearingPriceUsdPerMwh: 2.25,
      }),
    ]);
    expect(awardRevenueUsd(awards)).toBeCloseTo(2 * 14.5 + 1.5 * 2.25, 9);
  });

  it('says which awards are in force: the interval’s start counts, its end does not', () => {
    const a = award();
    expect(awardsInForce([a], T0)).toEqual([a]);
    expect(awardsInForce([a], T0 + HOUR_MS)).toEqual([]);
    expect(awardsInForce([a], T0, 'RRS-UFR')).toEqual([]);
  });

  it('refuses an award whose interval ends before it starts, naming the field', () => {
    const parsed = awardSchema.safeParse(award({ intervalEndMs: T0 }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['intervalEndMs']);
  });
});

describe('arming: the devices that carry an award', () => {
  const devices = [
    { id: 'd1', stepKw: 3 },
    { id: 'd2', stepKw: 3 },
    { id: 'd3', stepKw: 3 },
  ];

  it('takes the fewest devices from the front that cover the award, and says what it falls short by', () => {
    expect(armAward(award({ awardedMw: 0.005 }), devices)).toMatchObject({
      devices: ['d1', 'd2'],
      armedKw: 6,
      shortKw: 0,
    });
    expect(armAward(award({ awardedMw: 0.01 }), devices)).toMatchObject({
      devices: ['d1', 'd2', 'd3'],
      armedKw: 9,
      shortKw: 1,
    });
  });

  it('covers any award with devices none of which could be left out (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 50, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.1, max: 2000, noNaN: true }),
        (steps, kw) => {
          const list = steps.map((stepKw, i) => ({ id: `d${i}`, stepKw }));
          const { ids, coveredKw } = devicesCovering(list, kw);
          const total = steps.reduce((a, b) => a + b, 0);
          if (total < kw) return ids.length === list.length;
          // Summed as the function sums, not by subtraction (which rounds differently).
          const withoutLastKw = list.slice(0, ids.length - 1).reduce((sum, d) => sum + d.stepKw, 0);
          return coveredKw >= kw && withoutLastKw < kw;
        },
      ),
    );
  });

  it('puts a deployed award’s devices first and standing ones last in the controller’s order', () => {
    const order = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
    expect(withArmedOrder(order, ['d', 'c'], new Set(['a'])).map((d) => d.id)).toEqual(['d', 'c', 'b', 'e', 'a']);
    expect(withArmedOrder(order, [], new Set()).map((d) => d.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('the arm-ancillary command and SwitchFlow input', () => {
  const envelope = { siteId: SITE, commandId: '00000000-0000-4000-8000-000000000001', seq: 3, epoch: 1, nowMs: T0 };

  it('carries the awards in a command the gateway schema accepts', () => {
    const command = buildArmCommand({ ...envelope, awards: [award()], reason: 'awards' });
    expect(commandSchema.parse(command)).toMatchObject({ kind: 'arm-ancillary', payload: { awards: [award()] } });
  });

  it('refuses an award for another site, in the command and in the flow’s input', () => {
    const other = award({ siteId: 'site-south-1' });
    expect(() => buildArmCommand({ ...envelope, awards: [other], reason: 'x' })).toThrow(/payload\.awards/);
    const input = switchFlowInputSchema.safeParse({ siteId: SITE, arm: { awards: [other], reason: 'x' } });
    expect(input.error?.issues[0]?.path).toEqual(['arm', 'awards']);
  });

  it('takes an arm alone: not with a plan version or an override', () => {
    const arm = { awards: [award()], reason: 'x' };
    expect(switchFlowInputSchema.safeParse({ siteId: SITE, arm }).success).toBe(true);
    expect(switchFlowInputSchema.safeParse({ siteId: SITE, arm, planVersion: 2 }).success).toBe(false);
  });
});

/** The registry's sites as the award mapping sees them: west is two resources, south one. */
const REGISTERED = [
  {
    id: SITE,
    ancillary: {
      resources: [
        { name: 'HCP_WEST_UFR1', products: ['RRS-UFR' as const], groupIds: ['west-s21-a'] },
        { name: 'HCP_WEST_LR1', products: ['ECRS' as const, 'NSPIN' as const] },
      ],
    },
  },
  { id: 'site-south-1', ancillary: { resources: [{ name: 'HCP_SOUTH_LR1', products: ['NSPIN' as const] }] } },
];

describe('the QSE award feed (the AWS adapter)', () => {
  const sites = resourceIndex(REGISTERED);
  const message = (over: Record<string, unknown> = {}) => ({
    qse: 'QHCP01',
    market: 'DAM',
    publishedAt: '2026-12-06T19:30:00Z',
    awards: [
      {
        resource: 'HCP_WEST_UFR1',
        service: 'RRS',
        deliveryFrom: '2026-12-07T10:00:00Z',
        deliveryTo: '2026-12-07T11:00:00Z',
        awardedMw: 4.5,
        mcpcUsdPerMwh: 7.25,
        ...over,
      },
    ],
  });

  it('reads a Load Resource’s RRS award as RRS-UFR for its site, on the groups the resource stands for', () => {
    expect(awardsFromQseMessage(message(), sites)).toEqual([
      award({
        product: 'RRS-UFR',
        awardedMw: 4.5,
        clearingPriceUsdPerMwh: 7.25,
        resource: 'HCP_WEST_UFR1',
        groupIds: ['west-s21-a'],
      }),
    ]);
  });

  it('maps each resource of a batch to its own site', () => {
    // Prepare
    const batch = message();
    batch.awards.push(
      { ...batch.awards[0]!, resource: 'HCP_SOUTH_LR1', service: 'NSPIN', awardedMw: 1 },
      { ...batch.awards[0]!, resource: 'HCP_WEST_LR1', service: 'ECRS', awardedMw: 2 },
    );

    // Act
    const awards = awardsFromQseMessage(batch, sites);

    // Assess
    expect(awards.map((a) => [a.siteId, a.product, a.resource, a.groupIds])).toEqual([
      [SITE, 'RRS-UFR', 'HCP_WEST_UFR1', ['west-s21-a']],
      ['site-south-1', 'NSPIN', 'HCP_SOUTH_LR1', undefined],
      [SITE, 'ECRS', 'HCP_WEST_LR1', undefined],
    ]);
  });

  it('refuses a resource two sites registered, naming both', () => {
    const twice = resourceIndex([...REGISTERED, { id: 'site-north-1', ancillary: REGISTERED[0]!.ancillary }]);
    expect(() => awardsFromQseMessage(message(), twice)).toThrow(
      'awards[0].resource: HCP_WEST_UFR1 is registered by 2 sites (site-west-1, site-north-1)',
    );
  });

  it.each([
    [{ awardedMw: -1 }, 'awards[0].awardedMw'],
    [{ service: 'REGUP' }, 'awards[0].service'],
    [{ resource: 'SOMEONE_ELSE' }, 'awards[0].resource: no site is registered as SOMEONE_ELSE'],
    [{ service: 'ECRS' }, 'awards[0].service: HCP_WEST_UFR1 (site-west-1) is registered for RRS-UFR, not ECRS'],
    [{ deliveryTo: '2026-12-07T09:00:00Z' }, 'awards[0].deliveryTo'],
    [{ extra: 1 }, 'awards[0].extra'],
  ])('refuses a bad award (%j), naming %s', (over, field) => {
    expect(() => awardsFromQseMessage(message(over), sites)).toThrow(field);
  });
});

describe('arming a plan’s awards', () => {
  it('arms the next two hours of each offering site’s awards, each for the plan’s interval, in one flow per site', async () => {
    // Prepare: 5-minute offers over three hours for one site; another site offers nothing.
    const offers: AncillaryOffer[] = Array.from({ length: 36 }, (_, i) => ({
      product: 'ECRS',
      intervalStartMs: T0 + i * 300_000,
      offeredMw: 1,
      assumedPriceUsdPerMwh: 9,
    }));
    const started: Array<{ input: unknown; name: string }> = [];
    const plan = {
      version: 7,
      horizonStart: new Date(T0).toISOString(),
      intervalMinutes: 5,
      sites: [
        { siteId: SITE, ancillaryOffers: offers },
        { siteId: 'site-south-1', ancillaryOffers: [] },
      ],
    } as unknown as Plan;

    // Act
    const armed = await armPlanAwards(
      {
        sites: async () => REGISTERED,
        clearingPrice: () => 11,
        nowMs: T0,
        switchFlows: {
          start: async (input, name) => {
            started.push({ input, name });
            return { executionArn: name };
          },
        },
      },
      plan,
    );

    // Assess
    expect(armed.map((a) => a.siteId)).toEqual([SITE]);
    expect(armed[0]!.awards).toHaveLength(24);
    expect(armed[0]!.awards.every((a) => a.intervalEndMs - a.intervalStartMs === 300_000)).toBe(true);
    expect(armed[0]!.awards.every((a) => a.resource === 'HCP_WEST_LR1' && a.clearingPriceUsdPerMwh === 11)).toBe(true);
    expect(started).toEqual([
      {
        name: `${SITE}-arm-LOCALQSE-DAM-20261207100000000`,
        input: {
          siteId: SITE,
          arm: { awards: armed[0]!.awards, reason: 'ancillary awards (LOCALQSE-DAM-20261207100000000)' },
          requestedBy: 'ancillary-awards',
        },
      },
    ]);
    expect(switchFlowInputSchema.safeParse(started[0]!.input).success).toBe(true);
  });
});

describe('the awards queue’s batches (the Lambda’s use case)', () => {
  const good = {
    qse: 'QHCP01',
    market: 'RTC',
    publishedAt: '2026-12-07T09:55:00Z',
    awards: [
      {
        resource: 'HCP_SOUTH_LR1',
        service: 'NSPIN',
        deliveryFrom: '2026-12-07T10:00:00Z',
        deliveryTo: '2026-12-07T10:05:00Z',
        awardedMw: 1.2,
        mcpcUsdPerMwh: 3.5,
      },
    ],
  };
  const bad = { ...good, awards: [{ ...good.awards[0]!, awardedMw: 0 }] };

  function deps(startFails = false) {
    const started: string[] = [];
    const errors: Array<Record<string, unknown>> = [];
    return {
      started,
      errors,
      deps: {
        sites: async () => REGISTERED,
        switchFlows: {
          start: async (_input: unknown, name: string) => {
            if (startFails) throw new Error('ThrottlingException');
            started.push(name);
            return { executionArn: name };
          },
        },
        log: { error: (_m: string, attributes: Record<string, unknown>) => void errors.push(attributes) },
      },
    };
  }

  it('arms a good message and refuses a bad one whole, naming the field, keeping it on the queue', async () => {
    // Prepare
    const { started, errors, deps: d } = deps();
    const records = [
      { messageId: 'm1', body: JSON.stringify(good) },
      { messageId: 'm2', body: JSON.stringify(bad) },
      { messageId: 'm3', body: '{not json' },
    ];

    // Act
    const result = await receiveAwardBatch(records, d);

    // Assess: only the good message armed; the two refused stay as batch item failures (then the DLQ).
    expect(started).toEqual(['site-south-1-arm-QHCP01-RTC-20261207095500']);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }],
      armedSites: 1,
      refused: 2,
      failed: 0,
    });
    expect(errors[0]).toMatchObject({ messageId: 'm2', issues: [{ field: 'awards[0].awardedMw' }] });
    expect(errors[1]).toMatchObject({ messageId: 'm3', issues: [{ field: '(root)', rule: 'json' }] });
  });

  it('keeps a message whose SwitchFlow did not start on the queue, to be retried', async () => {
    // Prepare
    const { errors, deps: d } = deps(true);

    // Act
    const result = await receiveAwardBatch([{ messageId: 'm1', body: JSON.stringify(good) }], d);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }], armedSites: 0, refused: 0, failed: 1 });
    expect(errors[0]).toMatchObject({ messageId: 'm1', error: 'Error: ThrottlingException' });
  });
});

describe('the awards a site holds after a new message', () => {
  it('keeps no piece of a held award a new one covers in full, and holds each new award once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 4 })), { maxLength: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 4 })), { maxLength: 6 }),
        (heldSpans, newSpans) => {
          const of = ([start, hours]: [number, number]) =>
            award({ intervalStartMs: T0 + start * HOUR_MS, intervalEndMs: T0 + (start + hours) * HOUR_MS });
          const incoming = newSpans.map(of);
          const after = awardsHeldAfter(heldSpans.map(of), incoming, T0);
          const kept = after.slice(0, after.length - incoming.length);
          // Assess: no kept piece overlaps a new award, the new ones are all there, every piece is a real interval.
          for (const piece of kept) {
            expect(
              incoming.some((n) => n.intervalStartMs < piece.intervalEndMs && piece.intervalStartMs < n.intervalEndMs),
            ).toBe(false);
            expect(piece.intervalEndMs).toBeGreaterThan(piece.intervalStartMs);
          }
          expect(after.slice(kept.length)).toEqual(incoming);
        },
      ),
    );
  });

  it('replaces the held awards of the same product for the time the new ones cover, keeps the rest, drops the ended', () => {
    // Prepare: DAM awards for 10:00–12:00 (ECRS and NSPIN), one ended at 10:00.
    const ended = award({ intervalStartMs: T0 - HOUR_MS, intervalEndMs: T0 });
    const ecrs10 = award();
    const ecrs11 = award({ intervalStartMs: T0 + HOUR_MS, intervalEndMs: T0 + 2 * HOUR_MS });
    const nspin10 = award({ product: 'NSPIN' });
    // An RTC award for ECRS 10:05–10:10 at 10:01.
    const rtc = award({ intervalStartMs: T0 + 300_000, intervalEndMs: T0 + 600_000, awardedMw: 1.5 });

    // Act
    const held = awardsHeldAfter([ended, ecrs10, ecrs11, nspin10], [rtc], T0 + 60_000);

    // Assess: the five minutes the RTC award covers are replaced (ERCOT's latest award for that capacity), the rest of
    // the DAM hour stands, nothing else is lost.
    expect(held).toEqual([
      { ...ecrs10, intervalEndMs: T0 + 300_000 },
      { ...ecrs10, intervalStartMs: T0 + 600_000 },
      ecrs11,
      nspin10,
      rtc,
    ]);
  });
});
