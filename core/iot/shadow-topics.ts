/**
 * AWS IoT Device Shadow topics of a named shadow (docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html):
 * prefix `$aws/things/{thing}/shadow/name/{shadow}`; a device publishes to `/get` and `/update` and hears back on the
 * `accepted`/`rejected` topics, `/update/delta` (desired fields that differ from reported) and `/update/documents`
 * (previous and current document). AWS advises against wildcard subscriptions to shadow topics, so each is named.
 */

/** The named shadow that carries a site's gateway configuration (core/fleet/site-config.ts, `gatewayConfigFor`). */
export const SITE_CONFIG_SHADOW = 'hcp-site-config';

export const SHADOW_REPLY_TOPICS = [
  'get/accepted',
  'get/rejected',
  'update/accepted',
  'update/rejected',
  'update/delta',
  'update/documents',
] as const;
export type ShadowReplyTopic = (typeof SHADOW_REPLY_TOPICS)[number];
export const SHADOW_REQUEST_TOPICS = ['get', 'update'] as const;
export type ShadowRequestTopic = (typeof SHADOW_REQUEST_TOPICS)[number];

/** `$aws/things/{thing}/shadow/name/{shadow}`; `thing` may be a policy variable or `+` (unchecked, as siteTopicPattern). */
export function namedShadowPrefix(thing: string, shadow: string): string {
  return `$aws/things/${thing}/shadow/name/${shadow}`;
}

export function namedShadowTopic(
  thing: string,
  shadow: string,
  operation: ShadowRequestTopic | ShadowReplyTopic,
): string {
  return `${namedShadowPrefix(thing, shadow)}/${operation}`;
}

/** Which shadow a concrete topic addresses, and the operation; undefined for any other topic. */
export function parseNamedShadowTopic(topic: string): { thing: string; shadow: string; operation: string } | undefined {
  const match = /^\$aws\/things\/([^/+#]+)\/shadow\/name\/([^/+#]+)\/(.+)$/.exec(topic);
  return match ? { thing: match[1]!, shadow: match[2]!, operation: match[3]! } : undefined;
}
