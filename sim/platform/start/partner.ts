import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModels } from '../../../core/gpu/models.js';
import type { PartnerModelOffer } from '../../../core/partners/catalogue.js';
import { localPartnerCredentials } from '../../../functions/partners/adapters/local-credentials.js';
import type { PartnerCredentials } from '../../../functions/partners/ports.js';
import type { DemoTenant } from '../../local/api-routes.js';
import { startVirtualPartner, type VirtualPartner } from '../../partner/virtual-partner.js';
import type { Stops } from './stops.js';

export const VIRTUAL_PARTNER_ID = 'partner-virtual';
/** What HCP adds on the partner's price when it resells the work. */
const MARKUP = 0.2;

/**
 * A partner's list prices for the open models, scaled by active parameters from $0.006 / $0.012 per million input /
 * output tokens per billion parameters — the order of public serverless prices for hosted open models (about $0.1 per
 * million output tokens for an 8B model, $0.8 for a 70B one); the earlier $0.06 made every partner quote several times
 * every simulated bid's limit, so no bid ever went to the partner — decoding at 4,000 / (billions of parameters) tokens
 * per second.
 */
function offers(): PartnerModelOffer[] {
  return Object.entries(openModels).map(([modelId, spec]) => ({
    modelId,
    inputUsdPerMillionTokens: Math.round(spec.activeParamsB * 0.006 * 1e4) / 1e4,
    outputUsdPerMillionTokens: Math.round(spec.activeParamsB * 0.012 * 1e4) / 1e4,
    outputTokensPerSec: Math.round((4000 / spec.activeParamsB) * 100) / 100,
  }));
}

async function put(apiUrl: string, path: string, key: string, body: unknown): Promise<void> {
  const response = await fetch(`${apiUrl}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
}

/**
 * Partner capacity for the local platform: a virtual partner cloud on 127.0.0.1 (its own latency, prices, a 5 %
 * share of failed requests, on the simulated clock's speed), its key in a file only this user may read (the stand-in
 * for its Secrets Manager secret), listed in the catalogue by the admin and allowed by the demo tenant (EU data, up to
 * $10 per million tokens), all through the API as in AWS.
 */
export async function startPartnerCapacity(
  o: { readonly apiUrl: string; readonly demo: DemoTenant; readonly speed: number; readonly seed: number },
  stops: Stops,
): Promise<{ partner: VirtualPartner; credentials: PartnerCredentials }> {
  const apiKey = `pk-${randomBytes(16).toString('hex')}`;
  const partner = await startVirtualPartner({
    partnerId: VIRTUAL_PARTNER_ID,
    apiKey,
    models: offers(),
    speed: o.speed,
    failureRate: 0.05,
    seed: o.seed,
  });
  stops.push(() => partner.close());
  const file = join(mkdtempSync(join(tmpdir(), 'hcp-partners-')), 'keys.json');
  writeFileSync(file, JSON.stringify({ [VIRTUAL_PARTNER_ID]: apiKey }), { mode: 0o600 });
  await put(o.apiUrl, '/v1/partners', o.demo.adminApiKey, { partners: [partner.catalogueEntry(MARKUP)] });
  await put(o.apiUrl, '/v1/partner-settings', o.demo.customerAdminApiKey, {
    allowedPartnerIds: [VIRTUAL_PARTNER_ID],
    dataRegions: ['eu', 'us'],
    maxPriceUsdPerMillionTokens: 10,
  });
  return { partner, credentials: localPartnerCredentials({ file }) };
}
