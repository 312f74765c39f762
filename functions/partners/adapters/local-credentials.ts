import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseOrThrow } from '../../../core/support/validation.js';
import type { PartnerCredentials } from '../ports.js';

const keysSchema = z.record(z.string(), z.string().min(1));

/**
 * The local stand-in for the partners' secrets: a JSON object of API keys by partner id, from a file (mode 0600, as
 * `npm start` writes it) or an environment variable's value. Read once; a malformed one stops start-up naming it.
 */
export function localPartnerCredentials(source: { file: string } | { env: string }): PartnerCredentials {
  const text = 'file' in source ? readFileSync(source.file, 'utf8') : (process.env[source.env] ?? '{}');
  const where = 'file' in source ? source.file : source.env;
  const keys = parseOrThrow(keysSchema, JSON.parse(text), `partner keys (${where})`);
  return {
    async apiKey(partnerId) {
      const key = keys[partnerId];
      if (!key) throw new Error(`${partnerId} has no key in ${where}`);
      return key;
    },
  };
}
