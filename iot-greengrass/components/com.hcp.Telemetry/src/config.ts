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
  /** The contract caps a batch at 5000 metrics; larger sites send several batches per poll. */
  maxMetricsPerBatch: z.number().int().positive().max(5000).default(5000),
  /** 10 minutes of a 1,000-device site at the default period is ~12 MB. */
  spoolMaxBatches: z.number().int().positive().default(10_000),
  spoolMaxBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
  concurrency: z.number().int().positive().max(4096).default(256),
});
export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
export type TelemetryConfigInput = z.input<typeof telemetryConfigSchema>;
