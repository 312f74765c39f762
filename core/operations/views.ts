import { z } from 'zod';
import { planHistorySchema, siteViewSchema } from '../api/operations.js';
import { cursorQuerySchema } from '../api/pagination.js';
import { deviceLatestStateSchema, groupSummarySchema } from './devices.js';
import { overrideViewSchema } from './overrides.js';

/** The operator routes' response shapes beyond the read-only site view: hardware, the override, pages. */

/** A site with its devices' latest state, a summary per device group and the override holding it, if any. */
export const operatorSiteViewSchema = siteViewSchema.extend({
  devices: z.array(deviceLatestStateSchema),
  groups: z.array(groupSummarySchema),
  override: overrideViewSchema.optional(),
});
export type OperatorSiteView = z.infer<typeof operatorSiteViewSchema>;
export const operatorSiteListSchema = z.object({ items: z.array(operatorSiteViewSchema) });

/** GET /v1/plans?limit=&cursor=: newest first; `nextCursor` continues below the page's oldest version. */
export const planPageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorQuerySchema.optional(),
});
export const planPageSchema = planHistorySchema.extend({ nextCursor: z.string().optional() });
