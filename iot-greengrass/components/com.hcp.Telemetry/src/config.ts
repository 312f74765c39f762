import { z } from 'zod';
import { idSchema, siteIdSchema } from '../../../../core/support/schema.js';

/** com.hcp.Telemetry configuration; defaults equal the recipe's DefaultConfiguration. */
export const telemetryConfigSchema = z.strictObject({
  siteId: siteIdSchema,
  gatewayId: idSchema,
  /** The telemetry topic; `hcp/v1/sites/{siteId}/telemetry` when omitted. */
  topic: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^#+]+$/, 'an exact topic, no wildcards')
    .optional(),
  pollPeriodMs: z.number().int().positive().default(10_000),
  /**
   * Metrics per batch; larger sites send several batches per poll. The contract caps a batch at 5000 metrics, but
   * ~170 bytes a metric puts 400 at ~68 KB, inside IoT Core's message limit (`maxBatchBytes`).
   */
  maxMetricsPerBatch: z.number().int().positive().max(5000).default(400),
  /**
   * A batch whose JSON exceeds this is split in halves until each part fits: AWS IoT Core refuses a message over
   * 128 KB (its payload limit), so the default keeps 8 KB below it for the MQTT topic and headers.
   */
  maxBatchBytes: z
    .number()
    .int()
    .min(4 * 1024)
    .max(128 * 1024)
    .default(120 * 1024),
  /** 10 minutes of a 1,000-device site at the default period is ~12 MB. */
  spoolMaxBatches: z.number().int().positive().default(10_000),
  spoolMaxBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  concurrency: z.number().int().positive().max(4096).default(256),
  /**
   * Keep each batch in the spool until the cloud's high-water mark (`hcp/v1/sites/{siteId}/telemetry-acks`) covers
   * it, re-sending what is not covered. On Greengrass the nucleus accepts a publish while offline and its spool does
   * not survive every restart, so its acceptance is not delivery: the recipe turns this on. Off, a batch leaves the
   * spool at the broker's PUBACK (the direct MQTT link to IoT Core).
   */
  awaitCloudAck: z.boolean().default(false),
  /** Re-send the batches the mark has not covered after this long; doubles while the mark stalls. @default 2 × pollPeriodMs */
  ackTimeoutMs: z.number().int().positive().optional(),
  /** The ceiling of that doubling, so a long outage re-sends at most every 5 minutes. */
  maxAckTimeoutMs: z.number().int().positive().default(300_000),
  /** Batches sent and not yet covered by the mark, at most: the rest waits on this disk, not in the nucleus. */
  maxUnackedBatches: z.number().int().positive().max(10_000).default(100),
});
export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
export type TelemetryConfigInput = z.input<typeof telemetryConfigSchema>;
