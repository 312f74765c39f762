import { z } from 'zod';

/** Shared field rules, so every contract spells an id or an instant the same way. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, dot, colon, underscore or dash, starting alphanumeric');

/** An MQTT topic segment must not contain `/`, `+` or `#`; site ids appear in topics. */
export const siteIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const isoInstantSchema = z.iso.datetime({ offset: true });

export const nonNegative = z.number().finite().nonnegative();
export const positive = z.number().finite().positive();
