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

/**
 * A number a request may carry: within [min, max], at most `decimals` digits after the point, never -0. Every such
 * number round-trips through DynamoDB (38 significant digits, magnitudes 1e-130 .. 9.99e125): denormals, 1e-131 or
 * 1e308 are refused here, naming the field, instead of failing in the store with a 500.
 */
export function storableNumber(options: { readonly min: number; readonly max: number; readonly decimals: number }) {
  const { min, max, decimals } = options;
  const scale = 10 ** decimals;
  return z
    .number()
    .min(min)
    .max(max)
    .refine((value) => !Object.is(value, -0), 'must not be -0')
    .refine(
      (value) => Math.round(value * scale) / scale === value,
      decimals === 0 ? 'must be a whole number' : `at most ${decimals} decimals`,
    );
}
