import {
  ALL_MARKETS_TOPIC_FILTER,
  ALL_SITE_TOPICS_FILTER,
  allSitesTopicFilter,
  GATEWAY_PUBLISHED_KINDS,
  GATEWAY_RECEIVED_KINDS,
  siteTopicPattern,
} from '../messages/topics.js';
import { namedShadowTopic, SHADOW_REPLY_TOPICS, SHADOW_REQUEST_TOPICS, SITE_CONFIG_SHADOW } from './shadow-topics.js';

/**
 * What one MQTT identity may do, as data: the client ids it may connect as and the MQTT topic filters (`+`, `#`) it
 * may publish to and subscribe to. One definition, two renderings: the CDK stack renders a gateway's rules into the
 * IoT policy its certificate carries (stacks/constructs/gateway-policy.ts), and the local broker applies the same
 * rules per connection with `mayConnectAs`, `mayPublish` and `maySubscribe` (sim/local/mqtt-broker.ts).
 */
export interface TopicAccess {
  /** Client id patterns; `*` stands for any run of characters (IoT's policy wildcard). */
  readonly clientIds: readonly string[];
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * A site gateway, whose thing name is its site id. `thing` is the site id locally and IoT's
 * `${iot:Connection.Thing.ThingName}` policy variable in the stack, so one certificate is good for one site only.
 * The Greengrass nucleus opens extra connections as `<thing>#<n>` and uses its own jobs topics. Of the shadows, the
 * gateway reaches only its own site-configuration shadow, each topic named (no other shadow, no other thing's).
 */
export function gatewayTopicAccess(thing: string): TopicAccess {
  const nucleus = [`$aws/things/${thing}/jobs/#`];
  const shadow = (operation: Parameters<typeof namedShadowTopic>[2]) =>
    namedShadowTopic(thing, SITE_CONFIG_SHADOW, operation);
  return {
    clientIds: [thing, `${thing}#*`],
    publish: [
      ...GATEWAY_PUBLISHED_KINDS.map((kind) => siteTopicPattern(thing, kind)),
      ...nucleus,
      ...SHADOW_REQUEST_TOPICS.map(shadow),
    ],
    subscribe: [
      ...GATEWAY_RECEIVED_KINDS.map((kind) => siteTopicPattern(thing, kind)),
      ALL_MARKETS_TOPIC_FILTER,
      ...nucleus,
      ...SHADOW_REPLY_TOPICS.map(shadow),
    ],
  };
}

/**
 * The control plane (switching flows, market relay, workload routing, latest-state rules): sends every site what a
 * gateway receives and the market signals, hears every site's reports. In AWS this is IAM on the Lambdas and the
 * IoT rules; locally it is one certificate.
 */
export const CONTROL_PLANE_ACCESS: TopicAccess = {
  clientIds: ['hcp-cloud*', 'hcp-latest-state*'],
  publish: [...GATEWAY_RECEIVED_KINDS.map(allSitesTopicFilter), ALL_MARKETS_TOPIC_FILTER],
  subscribe: GATEWAY_PUBLISHED_KINDS.map(allSitesTopicFilter),
};

/** The observer behind the local dashboard: reads every site topic and the market, sends nothing. */
export const OBSERVER_ACCESS: TopicAccess = {
  clientIds: ['hcp-observer*'],
  publish: [],
  subscribe: [ALL_SITE_TOPICS_FILTER, ALL_MARKETS_TOPIC_FILTER],
};

/** A person watching with mosquitto_sub or MQTT Explorer: everything under `hcp/`, read-only. */
export const OPERATOR_ACCESS: TopicAccess = { clientIds: ['*'], publish: [], subscribe: ['hcp/#'] };

const segments = (topic: string) => topic.split('/');

/** MQTT matching of a concrete topic against one filter (`+` one level, `#` the rest, including none). */
function filterMatches(filter: readonly string[], topic: readonly string[]): boolean {
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '#') return true;
    if (i >= topic.length) return false;
    if (filter[i] !== '+' && filter[i] !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/** True when `access` lets its holder publish to `topic` (a concrete topic: wildcards are not publishable). */
export function mayPublish(access: TopicAccess, topic: string): boolean {
  if (topic.includes('+') || topic.includes('#')) return false;
  return access.publish.some((rule) => filterMatches(segments(rule), segments(topic)));
}

/**
 * True when `access` lets its holder subscribe with `filter`: every topic the requested filter can match must be one
 * a rule covers. The requested filter's wildcards are taken literally against the rule, as IoT Core does with
 * `topicfilter/` resources: `hcp/v1/sites/+/commands` is allowed only by a rule that itself has `+` (or `#`) there.
 */
export function maySubscribe(access: TopicAccess, filter: string): boolean {
  return access.subscribe.some((rule) => filterMatches(segments(rule), segments(filter)));
}

/** True when `clientId` is one `access` may connect as. */
export function mayConnectAs(access: TopicAccess, clientId: string): boolean {
  return access.clientIds.some((pattern) => globPattern(pattern).test(clientId));
}

function globPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
}

/** An MQTT filter as an IoT policy resource name: IoT policies spell both MQTT wildcards `*`. */
export function policyResourceName(filter: string): string {
  return filter.replaceAll('#', '*').replaceAll('+', '*');
}
