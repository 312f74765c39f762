import { z } from 'zod';
import { type FieldIssue, parseWith } from '../support/validation.js';
import { type GatewayConfig, gatewayConfigSchema } from './site-config.js';

/**
 * How a gateway configuration travels in the site's named shadow (core/iot/shadow-topics.ts, SITE_CONFIG_SHADOW).
 *
 * desired  = { registryVersion, gatewayConfig: "<the GatewayConfig as JSON text>" }, written by the cloud;
 * reported = { registryVersion, refused? }, written by the gateway: the version it runs and, when the newest desired
 *            one was refused, which version, field and rule.
 *
 * The document goes as text, not as nested JSON, for two AWS IoT Device Shadow limits: the desired and reported
 * sections may nest at most 6 levels ("JSON contains too many levels of nesting; maximum is 6"), and a site model
 * nests deeper (site.asicGroups[].powerCurve[].powerW); and the service merges an update field by field, so a
 * configuration sent as fields could be seen half old, half new. As one string it changes whole, with its version.
 * The gateway does not echo the text back (desired and reported share the 8 KB quota), so the shadow's delta always
 * names `gatewayConfig`; the gateway decides by `registryVersion`.
 */
export const siteConfigDesiredSchema = z.object({
  registryVersion: z.number().int().positive(),
  gatewayConfig: z.string().min(2),
});
export type SiteConfigDesired = z.infer<typeof siteConfigDesiredSchema>;

export const siteConfigReportedSchema = z.object({
  /** The configuration the gateway runs; absent before it has any. */
  registryVersion: z.number().int().positive().nullable(),
  /** The newest refused configuration, until a later one is applied (then `null`, which removes it). */
  refused: z
    .object({ registryVersion: z.number().int().positive(), field: z.string(), rule: z.string(), message: z.string() })
    .nullable(),
});
export type SiteConfigReported = z.infer<typeof siteConfigReportedSchema>;

/** The UpdateThingShadow payload that publishes `config` as the gateway's desired configuration. */
export function siteConfigShadowUpdate(config: GatewayConfig): { state: { desired: SiteConfigDesired } } {
  return {
    state: { desired: { registryVersion: config.registryVersion, gatewayConfig: JSON.stringify(config) } },
  };
}

export type DesiredGatewayConfig =
  | { readonly ok: true; readonly config: GatewayConfig }
  | { readonly ok: false; readonly registryVersion: number | undefined; readonly issue: FieldIssue };

/**
 * Reads the desired section a gateway receives (a /get/accepted `state.desired` or a /update/delta `state`) as a
 * configuration for `siteId`. A bad one names its field: `registryVersion`, `gatewayConfig` (not JSON), or the path
 * inside the configuration, e.g. `gatewayConfig.asicGroups[0].driver`.
 */
export function readDesiredGatewayConfig(desired: unknown, siteId: string): DesiredGatewayConfig {
  const envelope = parseWith(siteConfigDesiredSchema, desired);
  const version = (desired as { registryVersion?: unknown } | null)?.registryVersion;
  const registryVersion = typeof version === 'number' && Number.isInteger(version) ? version : undefined;
  if (!envelope.ok) return { ok: false, registryVersion, issue: envelope.issues[0]! };
  let json: unknown;
  try {
    json = JSON.parse(envelope.value.gatewayConfig);
  } catch {
    return { ok: false, registryVersion, issue: { field: 'gatewayConfig', rule: 'json', message: 'is not JSON text' } };
  }
  const parsed = parseWith(gatewayConfigSchema, json);
  if (!parsed.ok) {
    const first = parsed.issues[0]!;
    return { ok: false, registryVersion, issue: { ...first, field: `gatewayConfig.${first.field}` } };
  }
  const config = parsed.value;
  if (config.siteId !== siteId) {
    const message = `is ${config.siteId}, this gateway serves ${siteId}`;
    return { ok: false, registryVersion, issue: { field: 'gatewayConfig.siteId', rule: 'other_site', message } };
  }
  if (config.registryVersion !== envelope.value.registryVersion) {
    const message = `${config.registryVersion} inside, ${envelope.value.registryVersion} outside`;
    return { ok: false, registryVersion, issue: { field: 'gatewayConfig.registryVersion', rule: 'mismatch', message } };
  }
  return { ok: true, config };
}

/** What a gateway announces on its site's `events` topic when a configuration is applied or refused. */
export const siteConfigEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('site-config-applied'),
    siteId: z.string(),
    atMs: z.number(),
    registryVersion: z.number().int().positive(),
    inForce: z.number().int().positive().nullable(),
  }),
  z.object({
    type: z.literal('site-config-refused'),
    siteId: z.string(),
    atMs: z.number(),
    /** The refused version, when the desired section names one. */
    registryVersion: z.number().int().positive().nullable(),
    field: z.string(),
    rule: z.string(),
    message: z.string(),
    /** The version still in force. */
    inForce: z.number().int().positive().nullable(),
  }),
]);
export type SiteConfigEvent = z.infer<typeof siteConfigEventSchema>;
