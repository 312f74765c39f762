import type { z } from 'zod';
import { toFieldIssues } from '../../core/support/validation.js';

/**
 * Reads and validates environment variables once; a missing or malformed value throws a message naming the variable,
 * so a misconfigured function fails at cold start rather than on some later request.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const detail = toFieldIssues(parsed.error)
      .map((i) => `${i.field}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${detail}`);
  }
  return parsed.data;
}

/** Memoised config getter: parses on first use, then returns the same object. */
export function configGetter<S extends z.ZodObject>(schema: S): () => z.infer<S> {
  let cached: z.infer<S> | undefined;
  return () => {
    cached ??= readConfig(schema);
    return cached;
  };
}
