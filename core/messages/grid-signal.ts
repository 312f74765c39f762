import { z } from 'zod';
import { priceUsdPerMwhSchema } from '../model/market.js';
import { idSchema, isoInstantSchema, positive } from '../support/schema.js';

/** Nominal ERCOT frequency and the under-frequency threshold at which designated load trips. */
export const NOMINAL_FREQUENCY_HZ = 60;
export const UNDER_FREQUENCY_TRIP_HZ = 59.7;

const signalEnvelope = { at: isoInstantSchema, node: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/) };

export const gridSignalSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...signalEnvelope, kind: z.literal('price'), priceUsdPerMwh: priceUsdPerMwhSchema }),
  z.strictObject({ ...signalEnvelope, kind: z.literal('frequency'), frequencyHz: z.number().min(55).max(65) }),
  z.strictObject({
    ...signalEnvelope,
    kind: z.literal('demand-response'),
    eventId: idSchema,
    action: z.enum(['deploy', 'recall']),
    /**
     * An ancillary award being deployed (ECRS, Non-Spin): the gateway curtails the MW of its armed award
     * (core/ancillary/awards.ts); without it, a demand-response programme's deployment.
     */
    product: z.enum(['ECRS', 'NSPIN']).optional(),
    /** MW to drop; the site's committed amount (a product: its award in force) when omitted. */
    deployMw: positive.optional(),
    endsAt: isoInstantSchema.optional(),
  }),
]);
export type GridSignal = z.infer<typeof gridSignalSchema>;
