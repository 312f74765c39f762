import { z } from 'zod';

/** The body of every 4xx/5xx the API sends (functions/shared/http.ts errorBody): the failing fields and rules. */
export const fieldIssueSchema = z.object({
  field: z.string().meta({
    description:
      'Dotted path of the field within its part of the request, e.g. `tier`, `limit`, `events[0]`, or `(root)` for the whole body',
  }),
  rule: z.string().meta({ description: 'The rule it broke, e.g. `invalid_type`, `unrecognized_key`' }),
  message: z.string(),
});

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string().optional(),
      issues: z.array(fieldIssueSchema).optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
