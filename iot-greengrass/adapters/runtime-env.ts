import { z } from 'zod';
import { siteIdSchema } from '../../core/support/schema.js';
import { connectWithFailover } from './messaging/endpoint-failover.js';
import { connectGreengrassPort } from './messaging/greengrass-ipc.js';
import { connectMqttPort } from './messaging/mqtt-client.js';
import type { MessagingPort } from './messaging/port.js';
import { nodeRuntimeProblem } from './node-runtime.js';

/**
 * What a component process reads from its environment, once, at start-up. The recipe's lifecycle sets these from the
 * component configuration; Greengrass sets AWS_IOT_THING_NAME, which is the site id (see stacks/iot-stack.ts).
 */
const envSchema = z.object({
  HCP_SITE_ID: siteIdSchema.optional(),
  AWS_IOT_THING_NAME: siteIdSchema.optional(),
  HCP_STATE_DIR: z.string().min(1),
  /** The component's configuration object, as JSON (the recipe interpolates `{configuration:/…}`). */
  HCP_CONFIG: z.string().default('{}'),
  HCP_MESSAGING: z.enum(['greengrass-ipc', 'mqtt']).default('greengrass-ipc'),
  /** One MQTT URL, or one per region, comma-separated, primary first (adapters/messaging/endpoint-failover.ts). */
  HCP_MQTT_URL: z.string().optional(),
  /** How long an endpoint may stay unreachable before the gateway moves to the next region's. @default 60000 */
  HCP_MQTT_FAILOVER_AFTER_MS: z.coerce.number().int().min(1000).max(3_600_000).optional(),
});

export interface ComponentRuntime {
  readonly siteId: string;
  readonly stateDir: string;
  readonly config: Record<string, unknown>;
  readonly messaging: MessagingPort;
}

/** Parses the environment and connects the messaging port; throws a message naming the bad variable. */
export async function componentRuntime(component: string, env = process.env): Promise<ComponentRuntime> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`environment variable ${String(issue.path[0])}: ${issue.message}`);
  }
  const e = parsed.data;
  const siteId = e.HCP_SITE_ID ?? e.AWS_IOT_THING_NAME;
  if (!siteId) throw new Error('HCP_SITE_ID or AWS_IOT_THING_NAME must name the site');
  // The recipe scopes topics by {iot:thingName}; the nucleus fills it only with interpolateComponentConfiguration on.
  const config = z
    .record(z.string(), z.unknown())
    .parse(JSON.parse(e.HCP_CONFIG.replaceAll('{iot:thingName}', siteId)));
  let messaging: MessagingPort;
  if (e.HCP_MESSAGING === 'mqtt') {
    if (!e.HCP_MQTT_URL) throw new Error('HCP_MQTT_URL is required with HCP_MESSAGING=mqtt');
    // A component starts with the broker down (it fails safe on its own) and connects when the broker comes.
    const urls = e.HCP_MQTT_URL.split(',').map((u) => u.trim());
    messaging =
      urls.length === 1
        ? await connectMqttPort({ url: urls[0]!, clientId: `${siteId}-${component}`, waitForConnection: false })
        : await connectWithFailover({
            urls,
            clientId: `${siteId}-${component}`,
            ...(e.HCP_MQTT_FAILOVER_AFTER_MS ? { failoverAfterMs: e.HCP_MQTT_FAILOVER_AFTER_MS } : {}),
          });
  } else {
    messaging = await connectGreengrassPort();
  }
  return { siteId, stateDir: e.HCP_STATE_DIR, config, messaging };
}

/**
 * Checks the Node runtime, then starts; stops cleanly on SIGTERM (Greengrass stops a component with it) and exits
 * non-zero on a fatal error.
 */
export function runUntilStopped(component: string, start: () => Promise<{ stop(): Promise<void> }>): void {
  const problem = nodeRuntimeProblem();
  if (problem !== undefined) {
    process.stderr.write(`${component}: ${problem}\n`);
    process.exit(1);
  }
  start()
    .then((running) => {
      const stop = () => {
        running.stop().finally(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${component}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
