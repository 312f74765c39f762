import { bidPartnerDecision, partnerGpuHourQuote } from '../../../core/partners/bid-quote.js';
import { LLAMA_8B } from '../routing/fixtures.js';
import { partner, settings } from './fixtures.js';

/** The 8B model's H100 GPU-hour: 6,000 tokens/s (the model catalog) for an hour. */
const TOKENS_PER_GPU_HOUR = 6000 * 3600;

describe('a partner’s price per GPU-hour of bid work', () => {
  it('prices a GPU-hour as its tokens at the partner’s output price, plus the markup', () => {
    // Act
    const quote = partnerGpuHourQuote(partner('partner-a'), LLAMA_8B, TOKENS_PER_GPU_HOUR)!;
    // Assess: 21.6 M tokens × $0.60/M = $12.96; × 1.25 = $16.20; $0.75 per million tokens
    expect(quote).toMatchObject({
      costUsdPerGpuHour: 12.96,
      priceUsdPerGpuHour: 16.2,
      marginUsdPerGpuHour: 3.24,
      priceUsdPerMillionTokens: 0.75,
    });
    expect(partnerGpuHourQuote(partner('partner-a'), 'no/such-model', TOKENS_PER_GPU_HOUR)).toBeUndefined();
  });

  it('takes the cheapest allowed partner within the bid’s limit and the tenant’s cap', () => {
    // Prepare: b is cheaper (10 % markup)
    const partners = [partner('partner-a'), partner('partner-b', { markupFraction: 0.1 })];
    // Act
    const decision = bidPartnerDecision(
      { modelClass: LLAMA_8B, limitUsdPerGpuHour: 20 },
      partners,
      settings(),
      TOKENS_PER_GPU_HOUR,
    );
    // Assess
    expect(decision).toMatchObject({ kind: 'partner', quote: { partnerId: 'partner-b', priceUsdPerGpuHour: 14.256 } });
  });

  it('refuses a partner that would finish the work after the deadline', () => {
    // 200 tokens/s and 300 ms to the first token: a 2 M-token part takes ~2.8 h
    const timing = { nowMs: 0, deadlineMs: 3600_000, largestPartTokens: 2_000_000 };
    const slow = bidPartnerDecision(
      { modelClass: LLAMA_8B, limitUsdPerGpuHour: 20 },
      [partner('partner-a')],
      settings(),
      TOKENS_PER_GPU_HOUR,
      timing,
    );
    const inTime = bidPartnerDecision(
      { modelClass: LLAMA_8B, limitUsdPerGpuHour: 20 },
      [partner('partner-a')],
      settings(),
      TOKENS_PER_GPU_HOUR,
      { ...timing, largestPartTokens: 100_000 },
    );
    expect(slow).toMatchObject({ kind: 'none', reason: 'partner_too_slow' });
    expect(inTime).toMatchObject({ kind: 'partner' });
  });

  it.each([
    ['no settings', undefined, 20, 'partner_not_allowed'],
    ['no allowed partner', settings({ allowedPartnerIds: [] }), 20, 'partner_not_allowed'],
    ['partners outside the data regions', settings({ dataRegions: ['us'] }), 20, 'partner_not_allowed'],
    ['a limit below every price', settings(), 10, 'partner_over_limit'],
    ['a cap below every price', settings({ maxPriceUsdPerMillionTokens: 0.5 }), 20, 'partner_over_limit'],
  ] as const)('refuses with the reason for %s', (_what, tenantSettings, limit, reason) => {
    const decision = bidPartnerDecision(
      { modelClass: LLAMA_8B, limitUsdPerGpuHour: limit },
      [partner('partner-a')],
      tenantSettings,
      TOKENS_PER_GPU_HOUR,
    );
    expect(decision).toMatchObject({ kind: 'none', reason });
  });
});
