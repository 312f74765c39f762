import type { Partner } from '../../../core/partners/catalogue.js';
import type { PartnerSettings } from '../../../core/partners/settings.js';
import { LLAMA_8B, NOW } from '../routing/fixtures.js';

/** A partner in the EU: $0.20 / $0.60 per million tokens, 25 % markup, 200 tokens/s, 300 ms to the first token. */
export function partner(id: string, overrides: Partial<Partner> = {}): Partner {
  return {
    partnerId: id,
    name: id,
    region: 'eu',
    baseUrl: 'http://127.0.0.1:1',
    latencyMs: 300,
    markupFraction: 0.25,
    models: [
      { modelId: LLAMA_8B, inputUsdPerMillionTokens: 0.2, outputUsdPerMillionTokens: 0.6, outputTokensPerSec: 200 },
    ],
    ...overrides,
  };
}

export function settings(overrides: Partial<PartnerSettings> = {}): PartnerSettings {
  return {
    tenantId: 'tenant-a',
    allowedPartnerIds: ['partner-a', 'partner-b'],
    dataRegions: ['eu', 'us'],
    maxPriceUsdPerMillionTokens: 10,
    updatedAt: new Date(NOW).toISOString(),
    updatedBy: 'test',
    ...overrides,
  };
}
