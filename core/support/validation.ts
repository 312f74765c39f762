import type { z } from 'zod';

/** One failed rule of a schema, with the dotted path of the field that broke it. */
export interface FieldIssue {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: FieldIssue[] };

/** Dotted field path, with array indexes in brackets: `sites[2].asicGroups[0].unitCount`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    // Unknown keys are reported once per key so each offending field is named.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...issue.path, key]),
        rule: 'unrecognized_key',
        message: `unknown field "${key}"`,
      }));
    }
    return [{ field: fieldPath(issue.path), rule: issue.code, message: issue.message }];
  });
}

/** Validates without throwing: errors are values at the edges. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toFieldIssues(result.error) };
}

export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

/** Validates or throws a ValidationError naming `what` and each failing field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const parsed = parseWith(schema, input);
  if (!parsed.ok) throw new ValidationError(what, parsed.issues);
  return parsed.value;
}
