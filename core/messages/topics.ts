/**
 * The catalogue of every MQTT topic the platform uses, versioned so a v2 can run beside v1, and the other spellings
 * of the same topics: the MQTT filter an IoT rule selects from, the IAM / IoT-policy resource pattern that grants
 * them, and the template Step Functions formats. The stacks, the cloud, the gateway and the simulator all spell a
 * topic through here.
 */
export const TOPIC_VERSION = 'v1';
const ROOT = `hcp/${TOPIC_VERSION}`;

/** Per-site topics: `hcp/v1/sites/<siteId>/<kind>`. */
export const SITE_TOPIC_KINDS = [
  'commands',
  'acks',
  'telemetry',
  'grid',
  'heartbeat',
  'events',
  'jobs',
  'job-reports',
  'job-cancels',
  'gpu-nodes',
  'gpu-node-commands',
  'telemetry-acks',
] as const;
export type SiteTopicKind = (typeof SITE_TOPIC_KINDS)[number];

/** What a gateway publishes (site → cloud); it receives the rest (cloud → site). The gateway IoT policy reads these. */
export const GATEWAY_PUBLISHED_KINDS = [
  'acks',
  'telemetry',
  'events',
  'heartbeat',
  'job-reports',
  'gpu-nodes',
] as const satisfies readonly SiteTopicKind[];
export const GATEWAY_RECEIVED_KINDS = [
  'commands',
  'grid',
  'jobs',
  'gpu-node-commands',
  'job-cancels',
  'telemetry-acks',
] as const satisfies readonly SiteTopicKind[];

/** The level of a site topic that holds the site id: IoT SQL's `topic(4)`. */
export const SITE_ID_TOPIC_LEVEL = 4;

/**
 * A site topic with `site` in the site's place, unchecked: a wildcard (`+` for MQTT, `*` for IAM), a policy variable
 * (`${iot:Connection.Thing.ThingName}`) or a template placeholder (`{}`). Use siteTopic for a real site id.
 */
export function siteTopicPattern(site: string, kind: SiteTopicKind): string {
  return `${ROOT}/sites/${site}/${kind}`;
}

export function siteTopic(siteId: string, kind: SiteTopicKind): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(siteId)) throw new Error(`siteId "${siteId}" is not a valid topic segment`);
  return siteTopicPattern(siteId, kind);
}

const SITE_TOPIC_PATTERN = new RegExp(
  `^hcp/${TOPIC_VERSION}/sites/([a-z0-9][a-z0-9-]*)/(${SITE_TOPIC_KINDS.join('|')})$`,
);

/** Inverse of siteTopic; undefined for anything else. */
export function parseSiteTopic(topic: string): { siteId: string; kind: SiteTopicKind } | undefined {
  const match = SITE_TOPIC_PATTERN.exec(topic);
  if (!match) return undefined;
  return { siteId: match[1] as string, kind: match[2] as SiteTopicKind };
}

/** Every site's `kind` topic as an MQTT subscription filter: `hcp/v1/sites/+/<kind>`. */
export const allSitesTopicFilter = (kind: SiteTopicKind): string => siteTopicPattern('+', kind);

/** Every topic of every site, as an MQTT filter (the local dashboard's observer). */
export const ALL_SITE_TOPICS_FILTER = `${ROOT}/sites/+/+`;

/** Every site's `kind` topic as an IAM or IoT-policy resource name (after `topic/`), with `*` for the site. */
export const allSitesTopicResource = (kind: SiteTopicKind): string => siteTopicPattern('*', kind);

export interface SiteTopicSqlOptions {
  /** The SELECT list. @default '*' */
  readonly select?: string;
  /** Appended as `WHERE <where>`. */
  readonly where?: string;
}

/** An IoT rule's SQL over every site's `kind` topic: `SELECT * FROM 'hcp/v1/sites/+/<kind>'`. */
export function siteTopicSql(kind: SiteTopicKind, options: SiteTopicSqlOptions = {}): string {
  const sql = `SELECT ${options.select ?? '*'} FROM '${allSitesTopicFilter(kind)}'`;
  return options.where ? `${sql} WHERE ${options.where}` : sql;
}

/** The IoT SQL condition that keeps only messages whose `siteId` names the site of their topic. */
export const SITE_ID_MATCHES_TOPIC = `siteId = topic(${SITE_ID_TOPIC_LEVEL})`;

/** Market-wide signals (price, frequency) that every gateway in a market node listens to. */
export function marketTopic(node: string): string {
  return `${ROOT}/market/${node}/signals`;
}

const MARKET_TOPIC_PATTERN = new RegExp(`^hcp/${TOPIC_VERSION}/market/([A-Z][A-Z0-9_]+)/signals$`);

/** Inverse of marketTopic: the market node (an ERCOT settlement point name); undefined for anything else. */
export function parseMarketTopic(topic: string): { node: string } | undefined {
  const match = MARKET_TOPIC_PATTERN.exec(topic);
  return match ? { node: match[1] as string } : undefined;
}

/** Every market's signals as an MQTT filter and as an IAM / IoT-policy resource name. */
export const ALL_MARKETS_TOPIC_FILTER = marketTopic('+');
export const allMarketsTopicResource = marketTopic('*');
