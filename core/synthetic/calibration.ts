import { z } from 'zod';
import { bitcoinModelSchema } from './bitcoin.js';
import { priceModelSchema } from './price-model.js';

/** The committed output of sim/synthetic/calibrate.ts: fitted parameters with where and how they came from. */
export const calibrationSchema = z.strictObject({
  calibratedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  method: z.string(),
  sources: z.array(z.string()).min(1),
  /** Parameters that are priors (stated, not fitted) and why. */
  priors: z.record(z.string(), z.string()),
  price: priceModelSchema,
  bitcoin: bitcoinModelSchema,
});
export type Calibration = z.infer<typeof calibrationSchema>;
