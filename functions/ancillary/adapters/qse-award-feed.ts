import { z } from 'zod';
import { type Award, type AwardedProduct, awardSchema } from '../../../core/ancillary/awards.js';
import { lookUpResource, type ResourceIndex } from '../../../core/ancillary/resources.js';
import { isoInstantSchema } from '../../../core/support/schema.js';
import { parseOrThrow, ValidationError } from '../../../core/support/validation.js';

/**
 * The awards adapter in AWS: a site's awards come from its QSE (Qualified Scheduling Entity), the only party ERCOT
 * sends them to: the DAM's Ancillary Service awards the afternoon before the operating day, and since RTC+B
 * (2025-12-05) the AS awarded by each SCED run. ERCOT publishes them to the QSE (MIS certified area, the API's
 * QSE-specific reports); the QSE forwards each batch to us as one JSON message on the awards queue (stacks/constructs/
 * ancillary-awards.ts), whose Lambda hands it to receive-awards.ts. This file is the message's contract and its translation into awards:
 * a bad message is refused whole, with an error naming the field.
 */

/** ERCOT's service names as the QSE reports them; a Load Resource's RRS here is always the UFR kind. */
const SERVICE_TO_PRODUCT = { RRS: 'RRS-UFR', ECRS: 'ECRS', NSPIN: 'NSPIN' } as const;
type QseService = keyof typeof SERVICE_TO_PRODUCT;

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
 * A QSE's award message as awards, each for the site (and the device groups) its resource is registered for
 * (core/ancillary/resources.ts). Throws a ValidationError naming the field: a message that is not the contract, a
 * resource no site (or more than one) is registered as, a service its resource is not registered for, a delivery
 * window that ends before it starts. The message is refused whole: nothing of it is armed.
 */
export function awardsFromQseMessage(message: unknown, resources: ResourceIndex): Award[] {
  const parsed = parseOrThrow(qseAwardMessageSchema, message, 'QSE award message');
  return parsed.awards.map((a, i) => {
    const product = SERVICE_TO_PRODUCT[a.service];
    const found = lookUpResource(resources, a.resource, product);
    if (!found.ok) {
      const field = found.rule === 'not_registered_product' ? 'service' : 'resource';
      throw new ValidationError('QSE award message', [
        { field: `awards[${i}].${field}`, rule: found.rule, message: found.message },
      ]);
    }
    const { siteId, groupIds } = found.resource;
    const award = {
      siteId,
      product,
      intervalStartMs: Date.parse(a.deliveryFrom),
      intervalEndMs: Date.parse(a.deliveryTo),
      awardedMw: a.awardedMw,
      clearingPriceUsdPerMwh: a.mcpcUsdPerMwh,
      resource: a.resource,
      ...(groupIds ? { groupIds: [...groupIds] } : {}),
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

/** ERCOT's service name of an awarded product (the inverse of the message's mapping). */
export const serviceOf = (product: AwardedProduct): QseService =>
  (Object.keys(SERVICE_TO_PRODUCT) as QseService[]).find((service) => SERVICE_TO_PRODUCT[service] === product)!;
