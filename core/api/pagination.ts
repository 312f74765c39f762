import { z } from 'zod';

/**
 * Cursor pagination. A cursor is opaque to clients (base64url JSON) and holds only sort-key values: the store rebuilds
 * the partition key from the caller's verified tenant, so a hand-made cursor can never reach another tenant's items.
 */
export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** Query strings arrive as text; `limit=abc` or `limit=0` is a 400 naming `limit`. */
export const limitQuerySchema = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);
export const cursorQuerySchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'an opaque cursor from a previous page');

export const pageQueryShape = { limit: limitQuerySchema, cursor: cursorQuerySchema.optional() };

/** A page of items plus the cursor for the next one, absent on the last page. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

export type CursorPosition = Readonly<Record<string, string>>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one of ours (the caller answers 400). */
export function decodeCursor(cursor: string, expectedFields: readonly string[]): CursorPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    const wellFormed =
      entries.length === expectedFields.length &&
      entries.every(([key, v]) => expectedFields.includes(key) && typeof v === 'string');
    return wellFormed ? (value as CursorPosition) : undefined;
  } catch {
    return undefined;
  }
}
