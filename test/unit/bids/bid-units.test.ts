import fc from 'fast-check';
import { amendedBid, bidRuleIssues, fillInBidUnit, newBid, placeBidBodySchema } from '../../../core/bids/bid.js';
import { gpuHoursOfTokens, tokensPerGpuHour } from '../../../core/bids/units.js';
import { modelCatalogSeed } from '../../../core/gpu/model-catalog.js';
import { filledBid } from '../../../functions/shared/data/bid-store.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const nowMs = Date.parse('2026-12-07T08:00:00Z');
const ctx = { nowMs, floorUsdPerGpuHour: 1.5 };
const body = (over: Record<string, unknown> = {}) =>
  placeBidBodySchema.parse({
    modelClass: MODEL,
    tokens: 43_200_000,
    limitUsdPerMillionTokens: 0.2,
    earliestStartAt: '2026-12-07T08:00:00Z',
    deadlineAt: '2026-12-07T12:00:00Z',
    ...over,
  });

describe('bids in tokens', () => {
  it('converts tokens at the model catalog’s H100 throughput: 6,000 tokens/s is 21.6 M tokens per GPU-hour', () => {
    // Act
    const bid = newBid(body(), 'b1', 't1', '2026-12-07T08:00:00.000Z');

    // Assess: 43.2 M tokens = 2 GPU-h; $0.20 per M tokens = $4.32 per GPU-h
    const h100 = modelCatalogSeed.find((m) => m.modelId === MODEL)!.tokensPerSecPerGpu['nvidia-h100-sxm5']!;
    expect(tokensPerGpuHour(MODEL)).toBe(h100 * 3600);
    expect(bid).toMatchObject({ unit: 'tokens', tokens: 43_200_000, gpuHours: 2, limitUsdPerGpuHour: 4.32 });
    expect(bidRuleIssues(body(), ctx)).toEqual([]);
  });

  it.each([
    ['both units', { gpuHours: 2 }, 'tokens', 'one_unit'],
    ['neither unit', { tokens: undefined }, 'gpuHours', 'one_unit'],
    ['a GPU-hour limit on a bid in tokens', { limitUsdPerGpuHour: 4 }, 'limitUsdPerGpuHour', 'unit_mismatch'],
    [
      'no limit for its unit',
      { limitUsdPerMillionTokens: undefined },
      'limitUsdPerMillionTokens',
      'required_with_unit',
    ],
    // The floor $1.5/GPU-h is $0.069444 per M tokens of the 8B model
    [
      'a limit below the floor in its unit',
      { limitUsdPerMillionTokens: 0.069 },
      'limitUsdPerMillionTokens',
      'below_floor',
    ],
  ])('refuses %s, naming the field', (_what, over, field, rule) => {
    expect(bidRuleIssues(body(over), ctx)).toEqual([expect.objectContaining({ field, rule })]);
  });

  it('keeps a GPU-hour bid as it was: no unit stored before tokens reads as GPU-hours, its fills in GPU-hours only', () => {
    // Prepare: a bid as stored before bids in tokens (no unit)
    const { unit: _unit, ...legacy } = newBid(
      body({ tokens: undefined, limitUsdPerMillionTokens: undefined, gpuHours: 4, limitUsdPerGpuHour: 3 }),
      'old',
      't1',
      '2026-12-07T08:00:00.000Z',
    );

    // Act
    const shown = fillInBidUnit(legacy, 1, 3);
    const amended = amendedBid(legacy, { gpuHours: 6 }, ctx, '2026-12-07T08:01:00.000Z');
    const wrongUnit = amendedBid(legacy, { tokens: 10_000 }, ctx, '2026-12-07T08:01:00.000Z');

    // Assess
    expect(shown).toEqual({});
    expect(amended).toMatchObject({ ok: true, bid: { gpuHours: 6, limitUsdPerGpuHour: 3, version: 1 } });
    expect(wrongUnit).toEqual({
      ok: false,
      issues: [expect.objectContaining({ field: 'tokens', rule: 'unit_mismatch' })],
    });
  });

  it('amends a bid in tokens in tokens, converting again', () => {
    // Prepare
    const bid = newBid(body(), 'b1', 't1', '2026-12-07T08:00:00.000Z');

    // Act
    const more = amendedBid(bid, { tokens: 64_800_000 }, ctx, '2026-12-07T08:01:00.000Z');
    const wrongUnit = amendedBid(bid, { limitUsdPerGpuHour: 5 }, ctx, '2026-12-07T08:01:00.000Z');

    // Assess
    expect(more).toMatchObject({ ok: true, bid: { tokens: 64_800_000, gpuHours: 3, limitUsdPerGpuHour: 4.32 } });
    expect(wrongUnit).toMatchObject({ ok: false, issues: [{ field: 'limitUsdPerGpuHour', rule: 'unit_mismatch' }] });
  });

  it('fills a bid in tokens whose fills add up to its tokens exactly, each at the price per million tokens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 500_000_000 }),
        fc.array(fc.double({ min: 0.000001, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (tokens, shares) => {
          // Prepare: a bid filled in several clearings of random sizes, the last taking what is left
          let bid = newBid(body({ tokens }), 'b', 't', '2026-12-07T08:00:00.000Z');
          const total = gpuHoursOfTokens(tokens, tokensPerGpuHour(MODEL)!);

          // Act
          for (const share of [...shares, 1]) {
            const left = Math.round((bid.gpuHours - bid.filledGpuHours) * 1e6) / 1e6;
            if (left <= 0) break;
            const gpuHours = Math.max(0.000001, Math.min(left, Math.round(total * share * 1e6) / 1e6));
            const fill = {
              clearingId: `c${bid.fills.length}`,
              intervalStart: '2026-12-07T08:00:00.000Z',
              gpuHours,
              priceUsdPerGpuHour: 4.32,
              amountUsd: 0,
            };
            bid = filledBid(bid, fill, '2026-12-07T08:00:00.000Z');
          }

          // Assess
          expect(bid.status).toBe('filled');
          expect(bid.fills.reduce((a, f) => a + f.tokens!, 0)).toBe(tokens);
          for (const f of bid.fills) expect(f.priceUsdPerMillionTokens).toBe(0.2);
        },
      ),
    );
  });
});
