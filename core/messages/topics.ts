/** Every MQTT topic the platform uses, versioned so a v2 can run beside v1. */
export const TOPIC_VERSION = 'v1';

export type SiteTopicKind = 'commands' | 'acks' | 'telemetry' | 'grid' | 'heartbeat' | 'events';

export function siteTopic(siteId: string, kind: SiteTopicKind): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(siteId)) throw new Error(`siteId "${siteId}" is not a valid topic segment`);
  return `hcp/${TOPIC_VERSION}/sites/${siteId}/${kind}`;
}

/** Inverse of siteTopic; undefined for anything else. */
export function parseSiteTopic(topic: string): { siteId: string; kind: SiteTopicKind } | undefined {
  const match = /^hcp\/v1\/sites\/([a-z0-9][a-z0-9-]*)\/(commands|acks|telemetry|grid|heartbeat|events)$/.exec(topic);
  if (!match) return undefined;
  return { siteId: match[1] as string, kind: match[2] as SiteTopicKind };
}

/** Market-wide signals (price, frequency) that every gateway in a market node listens to. */
export function marketTopic(node: string): string {
  return `hcp/${TOPIC_VERSION}/market/${node}/signals`;
}
