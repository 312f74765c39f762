import { z } from 'zod';
import { gridEventSchema } from '../grid-events/grid-event.js';
import { idSchema } from '../support/schema.js';
import { pageQueryShape, pageSchema } from './pagination.js';

/** GET /v1/grid-events: newest first, with a cursor. */
export const gridEventsQuerySchema = z.strictObject({ ...pageQueryShape });
export const gridEventPageSchema = pageSchema(gridEventSchema).meta({ id: 'GridEventPage' });
export const gridEventPathSchema = z.strictObject({ gridEventId: idSchema });

/** GET /v1/grid-events/{id}/evidence: `format` wins over the Accept header; JSON by default. */
export const evidenceFormatSchema = z.enum(['json', 'csv', 'html']);
export type EvidenceFormat = z.infer<typeof evidenceFormatSchema>;
export const evidenceQuerySchema = z.strictObject({ format: evidenceFormatSchema.optional() });

/** The format an Accept header asks for (the first of text/csv, text/html it names), JSON otherwise. */
export function formatFromAccept(accept: string | undefined): EvidenceFormat {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  for (const type of types) {
    if (type === 'text/csv') return 'csv';
    if (type === 'text/html') return 'html';
    if (type === 'application/json') return 'json';
  }
  return 'json';
}
