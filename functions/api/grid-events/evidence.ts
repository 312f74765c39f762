import type { APIGatewayProxyResult } from 'aws-lambda';
import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { evidenceQuerySchema, formatFromAccept, gridEventPathSchema } from '../../../core/api/grid-events.js';
import { EvidenceNotReady } from '../../../core/grid-events/evidence.js';
import { evidenceCsv, evidenceHtml } from '../../../core/grid-events/evidence-report.js';
import { evidenceFor } from '../../grid-events/evidence.js';
import { HttpError } from '../../shared/http.js';
import { type ApiRequest, apiHandler, header, notFound, parsePath, parseQuery } from '../handler.js';
import { operatorSources, siteOf } from '../operator/views.js';
import { gridEventSources } from './sources.js';

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/**
 * GET /v1/grid-events/{gridEventId}/evidence[?format=json|csv|html]: the M&V evidence of an ended event, computed on
 * the first request, stored immutably and hashed into the audit chain; later requests return the stored document.
 * JSON is the stored document byte for byte (its SHA-256 in `HCP-Evidence-SHA256`); CSV and HTML are renderings of it.
 * `format` wins over `Accept`. 409 while the event lasts or has no telemetry yet.
 */
export async function getEvidence(request: ApiRequest): Promise<APIGatewayProxyResult> {
  const { event, runtime, requestId } = request;
  const { gridEventId } = parsePath(event, gridEventPathSchema);
  const { format = formatFromAccept(header(event, 'accept')) } = parseQuery(event, evidenceQuerySchema);
  const sources = gridEventSources(runtime);
  const gridEvent = await sources.events.get(gridEventId);
  if (!gridEvent) throw notFound('grid event', gridEventId);
  const site = await siteOf(operatorSources(runtime), gridEvent.siteId);
  let document: Awaited<ReturnType<typeof evidenceFor>>;
  try {
    document = await evidenceFor(
      gridEvent,
      site,
      {
        archive: sources.archive(),
        telemetry: sources.telemetry,
        switches: sources.switches,
        audit: runtime.audit,
        clock: runtime.clock,
      },
      requestId,
    );
  } catch (error) {
    if (error instanceof EvidenceNotReady) throw new HttpError(409, 'evidence-not-ready', error.message);
    throw error;
  }
  const digest = { 'hcp-evidence-sha256': document.sha256 };
  if (format === 'csv') {
    return {
      statusCode: 200,
      headers: {
        ...COMMON_HEADERS,
        ...digest,
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="hcp-evidence-${gridEvent.id}.csv"`,
      },
      body: evidenceCsv(document.evidence),
    };
  }
  if (format === 'html') {
    return {
      statusCode: 200,
      headers: {
        ...COMMON_HEADERS,
        ...digest,
        'content-type': 'text/html; charset=utf-8',
        // A report, not an app: no script, no remote asset.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      },
      body: evidenceHtml(document.evidence, document.sha256),
    };
  }
  return {
    statusCode: 200,
    headers: { ...COMMON_HEADERS, ...digest, 'content-type': 'application/json' },
    body: document.json,
  };
}

export const handler = apiHandler(OPERATOR_ROLES, getEvidence);
