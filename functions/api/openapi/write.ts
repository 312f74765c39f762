/**
 * `npm run openapi`: writes docs/openapi.json from the route table (committed for readers; regenerate after a route or schema change).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { API_ROUTES } from '../routes.js';
import { buildOpenApiDocument } from './document.js';

const out = process.argv[2] ?? 'docs/openapi.json';
mkdirSync('docs', { recursive: true });
const document = buildOpenApiDocument(API_ROUTES);
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
console.log(
  `${out}: ${Object.keys(document.paths).length} paths, ${Object.keys(document.components.schemas).length} schemas`,
);
