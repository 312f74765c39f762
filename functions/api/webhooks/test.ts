import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import type { WebhookTestResult } from '../../../core/webhooks/config.js';
import { postSigned } from '../../routing/webhooks/deliver.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, audit, nowIso, tenantApiHandler } from '../handler.js';
import { existingWebhook, webhookTenant } from './scope.js';

const OUTCOMES = { delivered: 'delivered', 'gave-up': 'refused', retry: 'failed' } as const;

/**
 * What a failed test says: the receiver's status, or one generic sentence for every failure without an HTTP answer.
 * Never the network error (ECONNREFUSED against a timeout, a refused address): that would make this route a port
 * scanner of whatever the URL names.
 */
const testMessage = (statusCode: number | undefined) =>
  statusCode === undefined ? 'no HTTP answer from the receiver' : `receiver answered ${statusCode}`;

/**
 * POST /v1/webhook/test[?tenantId=]: sends one signed `webhook.test` event now (5 s timeout, no retry) and reports
 * what the receiver answered, so a customer can check its endpoint and signature code before real events flow.
 */
export async function testWebhook(caller: ApiRequest) {
  const { tenantId, request } = await webhookTenant(caller);
  const { runtime } = request;
  const webhook = await existingWebhook(request, tenantId);
  const id = `test-${runtime.randomHex(8)}`;
  const body = JSON.stringify({ id, type: 'webhook.test', tenantId, occurredAt: nowIso(request) });
  const outcome = await postSigned({ http: runtime.webhookHttp, clock: runtime.clock }, webhook, {
    id,
    type: 'webhook.test',
    body,
  });
  const result: WebhookTestResult = {
    eventId: id,
    outcome: OUTCOMES[outcome.status],
    latencyMs: outcome.latencyMs,
    ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}),
    ...(outcome.status !== 'delivered' ? { message: testMessage(outcome.statusCode) } : {}),
  };
  await audit(request, 'webhook.test', `webhook/${tenantId}`, { tenantId, outcome: result.outcome });
  return jsonResponse(200, result);
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, testWebhook);
