import type { PartnerModelOffer } from '../../../core/partners/catalogue.js';

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** The virtual partner's list price for MODEL: $0.20 / $0.60 per million input / output tokens. */
export const offer = (outputTokensPerSec: number): PartnerModelOffer => ({
  modelId: MODEL,
  inputUsdPerMillionTokens: 0.2,
  outputUsdPerMillionTokens: 0.6,
  outputTokensPerSec,
});
