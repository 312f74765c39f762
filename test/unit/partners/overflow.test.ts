import { overflowDecision, partnerQuote } from '../../../core/partners/overflow.js';
import { partnerSettingsIssues } from '../../../core/partners/settings.js';
import { job, NOW } from '../routing/fixtures.js';
import { partner, settings } from './fixtures.js';

describe('partner cost, price and margin', () => {
  it('charges the list price per million tokens, adds the markup, and finishes after latency and decode', () => {
    // Prepare: 1,000,000 input and 500,000 output tokens at $0.20 / $0.60 per million
    const big = job('j', { inputTokens: 1_000_000, outputTokens: 500_000 });
    const p = partner('partner-a');

    // Act
    const quote = partnerQuote(big, p, p.models[0]!, NOW);

    // Assess
    expect(quote.costUsd).toBe(0.5);
    expect(quote.priceUsd).toBe(0.625);
    expect(quote.marginUsd).toBe(0.125);
    expect(quote.estimatedFinishMs).toBe(NOW + 300 + 2_500_000);
  });
});

describe('overflow to a partner when no site can meet the deadline', () => {
  it('picks the cheapest partner the tenant allows', () => {
    // Prepare: b is cheaper than a
    const cheap = partner('partner-b', { markupFraction: 0.1 });

    // Act
    const decision = overflowDecision(job('j'), [partner('partner-a'), cheap], settings(), NOW);

    // Assess
    expect(decision.kind).toBe('partner');
    expect(decision.kind === 'partner' && decision.quote.partnerId).toBe('partner-b');
  });

  it('sends nothing for a tenant without settings or allowing no partner, and says so', () => {
    // Act
    const none = overflowDecision(job('j'), [partner('partner-a')], undefined, NOW);
    const empty = overflowDecision(job('j'), [partner('partner-a')], settings({ allowedPartnerIds: [] }), NOW);

    // Assess
    expect(none).toEqual({ kind: 'none', detail: 'the tenant allows no partner cloud' });
    expect(empty).toEqual(none);
  });

  it.each([
    ['a region outside the data regions', settings({ dataRegions: ['us'] }), {}, 'is in eu, outside the data regions'],
    ['a price above the tenant cap', settings({ maxPriceUsdPerMillionTokens: 0.1 }), {}, 'above the cap 0.1'],
    ['a price above the job maximum', settings(), { maxPriceUsd: 0.0001 }, 'above the maximum 0.0001'],
    ['a finish after the deadline', settings(), { deadlineMs: NOW + 1000 }, 'after the deadline'],
    ['a partner that failed before', settings(), { avoidPartnerIds: ['partner-a'] }, 'failed an earlier attempt'],
    ['a model the partner does not serve', settings(), { modelId: 'other/model' }, 'does not serve other/model'],
  ])('refuses %s, naming it', (_what, tenant, overrides, detail) => {
    // Act
    const decision = overflowDecision(job('j', overrides), [partner('partner-a')], tenant, NOW);

    // Assess
    expect(decision.kind).toBe('none');
    expect(decision.kind === 'none' && decision.detail).toContain(detail);
  });

  it('never offers a partner the tenant did not allow, and does not list it among the reasons', () => {
    // Act
    const decision = overflowDecision(job('j'), [partner('partner-z')], settings(), NOW);

    // Assess
    expect(decision).toEqual({ kind: 'none', detail: 'no allowed partner is in the catalogue' });
  });
});

describe('tenant partner settings against the catalogue', () => {
  it('names an unknown partner, a repeat and one outside the data regions', () => {
    // Prepare
    const catalogue = [partner('partner-a'), partner('partner-b', { region: 'us' })];

    // Act
    const issues = partnerSettingsIssues(
      {
        allowedPartnerIds: ['partner-a', 'partner-x', 'partner-a', 'partner-b'],
        dataRegions: ['eu'],
        maxPriceUsdPerMillionTokens: 1,
      },
      catalogue,
    );

    // Assess
    expect(issues.map((i) => [i.field, i.rule])).toEqual([
      ['allowedPartnerIds[1]', 'unknown_partner'],
      ['allowedPartnerIds[2]', 'duplicate'],
      ['allowedPartnerIds[3]', 'outside_data_regions'],
    ]);
  });
});
