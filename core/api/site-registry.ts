import { z } from 'zod';
import { asicGroupConfigSchema, gpuPoolConfigSchema, siteConfigShapeSchema } from '../fleet/site-config.js';
import { idSchema, isoInstantSchema, siteIdSchema } from '../support/schema.js';

/**
 * The operator API over the site registry (functions/api/fleet-registry): bodies, paths, the If-Match header and the
 * views. Bodies are the registry record's own schemas (core/fleet/site-config.ts); a PATCH names only the fields it
 * sets, so the record's defaults are not applied to it (a PATCH must not reset what it does not name).
 */

type Shape = Record<string, z.ZodType>;

/** Every field optional, defaults dropped: what a PATCH of `shape` may carry. */
function patchOf<S extends Shape>(shape: S) {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([key, field]) => {
      const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
      return [key, inner instanceof z.ZodOptional ? inner : inner.optional()];
    }),
  ) as { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]> };
  return z.strictObject(fields).refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');
}

export const createSiteBodySchema = siteConfigShapeSchema;
const { id: _id, asicGroups: _a, gpuPools: _g, ...siteFields } = siteConfigShapeSchema.shape;
export const patchSiteBodySchema = patchOf(siteFields);
export type PatchSiteBody = z.infer<typeof patchSiteBodySchema>;

export const addAsicGroupBodySchema = asicGroupConfigSchema;
const { id: _aid, ...asicFields } = asicGroupConfigSchema.shape;
export const patchAsicGroupBodySchema = patchOf(asicFields);

export const addGpuPoolBodySchema = gpuPoolConfigSchema;
const { id: _gid, ...gpuFields } = gpuPoolConfigSchema.shape;
export const patchGpuPoolBodySchema = patchOf(gpuFields);

export const registrySitePathSchema = z.strictObject({ siteId: siteIdSchema });
export const registryGroupPathSchema = z.strictObject({ siteId: siteIdSchema, groupId: idSchema });

/** `If-Match: "42"` (the ETag a read returned; a weak `W/"42"` is taken as the same version). */
export const ifMatchSchema = z
  .string()
  .regex(/^(W\/)?"?\d{1,12}"?$/, 'the ETag of the site as read, e.g. "42"')
  .transform((value) => Number(value.replace(/\D/g, '')));

export const etagOf = (registryVersion: number) => `"${registryVersion}"`;

export const siteLifecycleSchema = z.enum(['active', 'draining', 'retired']);

export const siteRecordViewSchema = z.strictObject({
  site: siteConfigShapeSchema,
  status: siteLifecycleSchema,
  /** The registry version that last changed this site; sent as its ETag. */
  registryVersion: z.number().int().positive(),
  createdAt: isoInstantSchema,
  updatedAt: isoInstantSchema,
  updatedBy: z.string(),
  /** The thing whose named shadow carries the site's gateway configuration. */
  gatewayThingName: z.string(),
  /** Stock power of every group at full draw plus facility overhead, against the interconnect limit. */
  stockPowerKw: z.number().nonnegative(),
});
export type SiteRecordView = z.infer<typeof siteRecordViewSchema>;

export const siteRecordListSchema = z.strictObject({
  /** The registry's newest version: a plan records the version it was solved for. */
  registryVersion: z.number().int().nonnegative(),
  sites: z.array(siteRecordViewSchema),
});
