import { z } from 'zod';
import { idSchema, isoInstantSchema } from '../support/schema.js';
import { sha256Hex } from './canonical.js';
import { pageSchema } from './pagination.js';
import { roleSchema } from './principal.js';

/** Secrets look like `hcp_<keyId>_<43 base64url chars>` (256 random bits); only their SHA-256 is stored. */
export const API_KEY_PREFIX = 'hcp_';
export const apiKeySecretSchema = z
  .string()
  .max(200)
  .regex(/^hcp_[A-Za-z0-9-]+_[A-Za-z0-9_-]{43}$/, 'an HCP API key');

export const apiKeyHash = (secret: string): string => sha256Hex(secret);
export const formatApiKeySecret = (keyId: string, randomBase64Url: string) =>
  `${API_KEY_PREFIX}${keyId}_${randomBase64Url}`;

export const createApiKeyBodySchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    role: roleSchema,
    /** Only an admin may name another tenant; a customer-admin's keys are its own tenant's. */
    tenantId: idSchema.optional(),
  })
  .meta({ id: 'CreateApiKeyRequest' });

export const apiKeySchema = z
  .object({
    keyId: idSchema,
    tenantId: idSchema,
    name: z.string(),
    role: roleSchema,
    createdAt: isoInstantSchema,
    createdBy: z.string(),
    revokedAt: isoInstantSchema.optional(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof apiKeySchema>;

/** Returned once, at creation: the secret is never stored nor shown again. */
export const createdApiKeySchema = apiKeySchema
  .extend({ apiKey: z.string().meta({ description: 'The secret; send it as `x-api-key`. Shown only once.' }) })
  .meta({ id: 'CreatedApiKey' });

export const apiKeyPathSchema = z.strictObject({ keyId: idSchema });
/** Admins name the tenant whose keys they manage; anyone else gets their own. */
export const tenantScopeQuerySchema = z.strictObject({ tenantId: idSchema.optional() });
export const apiKeyListSchema = pageSchema(apiKeySchema).meta({ id: 'ApiKeyList' });
