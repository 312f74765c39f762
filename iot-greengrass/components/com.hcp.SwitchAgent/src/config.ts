import { z } from 'zod';
import { siteModeSchema } from '../../../../core/messages/command.js';
import { ladderRungSchema } from '../../../../core/model/plan.js';
import { siteIdSchema } from '../../../../core/support/schema.js';
import { sitePowerConfigSchema } from './site-power-config.js';

/**
 * The SwitchAgent's configuration: the recipe's DefaultConfiguration merged with the deployment's, parsed once at
 * start-up. Defaults here equal the recipe's, so the local platform and tests can pass only what differs.
 */
const topicSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^#+]+$/, 'an exact topic, no wildcards');

export const switchAgentConfigSchema = z.strictObject({
  siteId: siteIdSchema,
  /** Overrides of the site topics (core/messages/topics.ts); the recipe scopes them by thing name (= site id). */
  topics: z
    .strictObject({
      commands: topicSchema.optional(),
      acks: topicSchema.optional(),
      /** Where the gateway publishes its own status heartbeat (the platform's latest-state rule reads it). */
      heartbeat: topicSchema.optional(),
      /**
       * A cloud-to-gateway heartbeat topic, if the cloud sends one. Without it the cloud's liveness is every command
       * it sends and every market signal it relays; the watchdog's plan check covers a dispatcher that stops planning.
       */
      cloudHeartbeat: topicSchema.optional(),
      /** Local pub/sub: a meter or relay on the site LAN publishes frequency, price and DR instructions here. */
      grid: topicSchema.optional(),
      /** The market node's signals relayed by the cloud; the site model's node when omitted. */
      market: topicSchema.optional(),
    })
    .default({}),
  /** The cloud must be heard (command, market signal, heartbeat) at least this often, or the site runs `defaultMode`. */
  heartbeatTimeoutMs: z.number().int().positive().default(120_000),
  /** ASIC load is the interruptible load: shedding it cannot overload the interconnect or break inference. */
  defaultMode: siteModeSchema.default('curtail-asics'),
  /** How often the gateway publishes its status heartbeat. */
  statusPeriodMs: z.number().int().positive().default(30_000),
  /** How often interval boundaries, the watchdog, restore batches and retries are evaluated. */
  tickMs: z.number().int().positive().default(250),
  /** A curtailed group stays off at least this long (S21 minimum off time is a few minutes of fan and board wear). */
  minCurtailedMs: z.number().int().nonnegative().default(300_000),
  restoreBatchSize: z.number().int().positive().default(100),
  restoreBatchIntervalMs: z.number().int().nonnegative().default(5_000),
  /** A price-curtailed rung comes back only this far below its stop price. */
  priceHysteresisUsdPerMwh: z.number().nonnegative().default(10),
  /** Tripped load comes back once frequency recovers to this (ERCOT's normal band starts at 59.95 Hz). */
  frequencyRestoreHz: z.number().min(55).max(65).default(59.9),
  /** Groups tripped on under-frequency; the site model's `frequencyTrip` groups when omitted. */
  frequencyTripGroups: z.array(z.string()).optional(),
  /** The site's demand-response commitment; the site model's enrolments when omitted. */
  committedMw: z.number().positive().optional(),
  /** Used until a plan brings its own ladder. */
  ladder: z.array(ladderRungSchema).default([]),
  maxAttempts: z.number().int().positive().default(3),
  /** Miners contacted at once. */
  concurrency: z.number().int().positive().max(4096).default(256),
  /**
   * Public keys (PEM, P-256) the control plane signs commands with, by `kid` (core/messages/command-signature.ts).
   * Two at once during a rotation. Listing any key makes signatures required.
   */
  commandKeys: z
    .array(z.strictObject({ kid: z.string().min(1).max(256), publicKeyPem: z.string().min(1).max(4096) }))
    .max(4)
    .default([]),
  /** Refuse unsigned commands even with no key listed (the recipe sets it: a core without keys refuses all). */
  requireSignedCommands: z.boolean().default(false),
  /** Command ids remembered for re-acknowledgement. */
  rememberCommands: z.number().int().positive().default(512),
  /** The site power controller on the revenue meter (site-power.ts); off without a meter. */
  sitePower: sitePowerConfigSchema.optional(),
});
export type SwitchAgentConfig = z.infer<typeof switchAgentConfigSchema>;
export type SwitchAgentConfigInput = z.input<typeof switchAgentConfigSchema>;
