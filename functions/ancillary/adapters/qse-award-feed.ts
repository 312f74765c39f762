import { z } from 'zod';
import { type Award, awardSchema } from '../../../core/ancillary/awards.js';
import { isoInstantSchema } from '../../../core/support/schema.js';
import { parseOrThrow, ValidationError } from '../../../core/support/validation.js';

/**
 * The awards adapter in AWS: a site's awards come from its QSE (Qualified Scheduling Entity), the only party ERCOT
 * sends them to: the DAM's Ancillary Service awards the afternoon before the operating day, and since RTC+B
 * (2025-12-05) the AS awarded by each SCED run. ERCOT publishes them to the QSE (MIS certified area, the API's
 * QSE-specific reports); the QSE forwards each batch to us as one JSON message (an SQS queue or an EventBridge bus in
 * front of the awards Lambda: not built yet). This file is the message's contract and its translation into awards:
 * a bad message is refused whole, with an error naming the field.
 */

/** ERCOT's service names as the QSE reports them; a Load Resource's RRS here is always the UFR kind. */
const SERVICE_TO_PRODUCT = { RRS: 'RRS-UFR', ECRS: 'ECRS', NSPIN: 'NSPIN' } as const;

export const qseAwardMessageSchema = z.strictObject({
  /** The QSE's ERCOT short name. */
  qse: z.string().min(1).max(32),
  /** Which market made the awards: the day-ahead market, or real-time co-optimisation (SCED, since RTC+B). */
  market: z.enum(['DAM', 'RTC']),
  publishedAt: isoInstantSchema,
  awards: z
    .array(
      z.strictObject({
        /** The Load Resource's ERCOT name; the adapter maps it to a site. */
        resource: z.string().min(1).max(64),
        service: z.enum(['RRS', 'ECRS', 'NSPIN']),
        deliveryFrom: isoInstantSchema,
        deliveryTo: isoInstantSchema,
        awardedMw: z.number().finite().positive(),
        /** Market clearing price for capacity, $/MW per hour. */
        mcpcUsdPerMwh: z.number().finite(),
      }),
    )
    .min(1)
    .max(5000),
});
export type QseAwardMessage = z.infer<typeof qseAwardMessageSchema>;

/**
 * A QSE's award message as awards, by site. Throws a ValidationError naming the field: a message that is not the
 * contract, a resource no site is registered as, a delivery window that ends before it starts.
 */
export function awardsFromQseMessage(message: unknown, siteOfResource: ReadonlyMap<string, string>): Award[] {
  const parsed = parseOrThrow(qseAwardMessageSchema, message, 'QSE award message');
  return parsed.awards.map((a, i) => {
    const siteId = siteOfResource.get(a.resource);
    if (!siteId) {
      throw new ValidationError('QSE award message', [
        { field: `awards[${i}].resource`, rule: 'unknown_resource', message: `no site is registered as ${a.resource}` },
      ]);
    }
    const award = {
      siteId,
      product: SERVICE_TO_PRODUCT[a.service],
      intervalStartMs: Date.parse(a.deliveryFrom),
      intervalEndMs: Date.parse(a.deliveryTo),
      awardedMw: a.awardedMw,
      clearingPriceUsdPerMwh: a.mcpcUsdPerMwh,
    };
    const checked = awardSchema.safeParse(award);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const field = issue.path[0] === 'intervalEndMs' ? 'deliveryTo' : String(issue.path[0] ?? '');
      throw new ValidationError('QSE award message', [
        { field: `awards[${i}].${field}`, rule: issue.code, message: issue.message },
      ]);
    }
    return checked.data;
  });
}
