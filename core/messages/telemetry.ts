import { z } from 'zod';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

export const deviceStateSchema = z.enum([
  'hashing',
  'sleeping',
  'waking',
  'serving',
  'idle',
  'off',
  'fault',
  'drifted',
]);
export type DeviceState = z.infer<typeof deviceStateSchema>;

export const deviceMetricSchema = z.strictObject({
  deviceId: idSchema,
  groupId: idSchema,
  kind: z.enum(['asic', 'gpu']),
  at: isoInstantSchema,
  state: deviceStateSchema,
  powerW: nonNegative,
  hashrateThs: nonNegative.optional(),
  utilizationPct: z.number().min(0).max(100).optional(),
  temperatureC: z.number().finite().min(-60).max(200).optional(),
  memoryUsedMb: nonNegative.optional(),
  /**
   * GPUs the reading covers: a GPU node reports its GPUs as one metric (summed power, mean utilisation), so GPU counts
   * (serving, busy) multiply by it. @default 1
   */
  gpuCount: z.number().int().positive().max(64).optional(),
});
export type DeviceMetric = z.infer<typeof deviceMetricSchema>;

export const telemetryBatchSchema = z.strictObject({
  siteId: siteIdSchema,
  gatewayId: idSchema,
  /** Monotonic per gateway, across restarts: lets the cloud see gaps and duplicates. */
  batchSeq: z.number().int().nonnegative(),
  sentAt: isoInstantSchema,
  sitePowerKw: nonNegative,
  metrics: z.array(deviceMetricSchema).max(5000),
  /** Batches dropped by the offline spool since the gateway started (drop-oldest policy). */
  droppedBatches: z.number().int().nonnegative().default(0),
  /**
   * The lowest batch number the gateway still held when it spooled this one: every number below it was acknowledged
   * by the cloud or dropped by the spool's bound, so the cloud's high-water mark may pass it (never waits for it).
   */
  heldFromSeq: z.number().int().nonnegative().optional(),
});
export type TelemetryBatch = z.infer<typeof telemetryBatchSchema>;

/**
 * The cloud's telemetry high-water mark for one gateway (`hcp/v1/sites/{siteId}/telemetry-acks`, cloud → gateway):
 * every batch numbered up to `ackedThroughSeq` is stored, so the gateway may delete it from its spool. -1: none yet.
 */
export const telemetryAckSchema = z.strictObject({
  siteId: siteIdSchema,
  gatewayId: idSchema,
  ackedThroughSeq: z.number().int().min(-1),
});
export type TelemetryAck = z.infer<typeof telemetryAckSchema>;
