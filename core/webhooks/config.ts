import { z } from 'zod';
import { workloadEventTypeSchema } from '../routing/workload-events.js';
import { idSchema, isoInstantSchema } from '../support/schema.js';
import { isReservedIpv4 } from './addresses.js';

/**
 * A tenant's webhook: where its workload events are POSTed, which of them, and the secret they are signed with. The
 * URL rules keep the delivery Lambda from being pointed at the platform's own network (SSRF): https only, a public
 * host name or public IPv4 address, no credentials. The local platform (`allowLocalHttp`) also accepts
 * http(s)://localhost, 127.0.0.1 and [::1], where a developer's receiver runs. These read the URL's text only: a
 * public name can resolve to a private address, so the sender resolves it again at send time and connects only to an
 * address it checked (functions/routing/webhooks/pinned-http.ts).
 */
export const WEBHOOK_URL_MAX_LENGTH = 2048;
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export interface WebhookUrlOptions {
  /** @default false */
  readonly allowLocalHttp?: boolean;
}

export const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Names that resolve inside a network, never to a customer's public receiver. */
const INTERNAL_SUFFIXES = ['.localhost', '.local', '.localdomain', '.internal', '.intranet', '.lan', '.home.arpa'];

/** Why `value` may not be a webhook URL, or undefined when it may. */
export function webhookUrlProblem(value: string, options: WebhookUrlOptions = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  // WHATWG URL parsing normalises the host (lower case, `0x7f.1` and `2130706433` become 127.0.0.1), so the checks
  // below see what a client would connect to.
  // A trailing dot is the same name fully qualified (`localhost.`): compare without it.
  const host = url.hostname.replace(/\.$/, '');
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@)';
  if (options.allowLocalHttp && LOCAL_HOSTS.has(host) && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return undefined;
  }
  if (url.protocol !== 'https:') return 'must be https';
  if (host.startsWith('[')) return 'IPv6 literals are not accepted; use a host name';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    return isReservedIpv4(host) ? `${host} is a private, loopback or reserved address` : undefined;
  }
  if (!host.includes('.')) return `${host} is not a public host name`;
  if (INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix)) || host === 'localhost') {
    return `${host} is not a public host name`;
  }
  return undefined;
}

export const webhookUrlSchema = (options: WebhookUrlOptions = {}) =>
  z
    .string()
    .max(WEBHOOK_URL_MAX_LENGTH)
    .superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value, options);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ description: 'https URL of a public host (no credentials); at most 2048 characters', format: 'uri' });

export const ALL_WORKLOAD_EVENT_TYPES = workloadEventTypeSchema.options;

export const webhookEventsSchema = z
  .array(workloadEventTypeSchema)
  .min(1)
  .max(ALL_WORKLOAD_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'each event type at most once');

/** PUT /v1/webhook: the receiver and the events it wants (default: all). */
export const putWebhookBodySchema = (options: WebhookUrlOptions = {}) =>
  z
    .strictObject({
      url: webhookUrlSchema(options),
      events: webhookEventsSchema.default([...ALL_WORKLOAD_EVENT_TYPES]),
    })
    .meta({ id: 'PutWebhookRequest' });
export type PutWebhookBody = z.infer<ReturnType<typeof putWebhookBodySchema>>;

/** The webhook as GET shows it: never the secret. */
export const webhookSchema = z
  .object({
    tenantId: idSchema,
    url: z.string(),
    events: z.array(workloadEventTypeSchema),
    createdAt: isoInstantSchema,
    updatedAt: isoInstantSchema,
    rotatedAt: isoInstantSchema.optional(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhookSchema>;

/** At creation and rotation only: the signing secret is shown in that one response. */
export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().meta({
      description: 'The HMAC key of `HCP-Signature` (`whsec_` + 43 base64url characters). Shown only once.',
    }),
  })
  .meta({ id: 'WebhookWithSecret' });
/** What the store keeps (the table is KMS-encrypted at rest). */
export type StoredWebhook = z.infer<typeof webhookWithSecretSchema>;

export const formatWebhookSecret = (randomBase64Url: string) => `${WEBHOOK_SECRET_PREFIX}${randomBase64Url}`;

export const publicWebhook = ({ secret: _secret, ...webhook }: StoredWebhook): Webhook => webhook;

/** POST /v1/webhook/test: what the receiver answered to a signed `webhook.test` ping. */
export const webhookTestResultSchema = z
  .object({
    eventId: z.string(),
    outcome: z.enum(['delivered', 'refused', 'failed']),
    statusCode: z.number().int().optional(),
    latencyMs: z.number().nonnegative(),
    message: z.string().optional(),
  })
  .meta({ id: 'WebhookTestResult' });
export type WebhookTestResult = z.infer<typeof webhookTestResultSchema>;
